"""Follow-up detection, the standalone query and the prior-turn budget (agent.followup): pure
functions, no model and no index."""

from langchain_core.messages import AIMessage, HumanMessage

from agent.followup import (
    Turn,
    history_messages,
    is_followup,
    own_terms,
    standalone_query,
    turns_from_messages,
    with_history,
)

INVITE = Turn(
    question="How do I invite a teammate to the dashboard?",
    answer="Open Settings > Team and click Invite [1].",
    titles=["Account security and 2FA"],
)


def test_cues_pronouns_and_bare_questions_are_followups() -> None:
    assert is_followup("and what if she still doesn't see it?", True)
    assert is_followup("What about Google Pay?", True)
    assert is_followup("Is there a fee for that?", True)
    assert is_followup("How long?", True)
    assert is_followup("why?", True)


def test_a_question_with_its_own_topic_is_not_a_followup() -> None:
    assert not is_followup("How do I roll a leaked secret API key?", True)
    assert not is_followup("What documents do you need to verify my business?", True)
    # nothing before it: never a follow-up, whatever its words
    assert not is_followup("and what if she still doesn't see it?", False)


def test_standalone_query_carries_the_previous_topic_and_keeps_the_users_words() -> None:
    q = "and what if she still doesn't see it?"
    query = standalone_query(q, [INVITE])
    assert query.startswith(q)
    for word in ("invite", "teammate", "dashboard", "account", "security"):
        assert word in query.split()
    assert "click" not in query  # the answer's words are not carried, only the question's and title


def test_a_new_topic_is_not_polluted_by_the_thread() -> None:
    q = "How do I roll a leaked secret API key?"
    assert standalone_query(q, [INVITE]) == q
    assert standalone_query("What about it?", []) == "What about it?"


def test_a_chain_of_followups_keeps_the_first_topic() -> None:
    turns = [INVITE, Turn(question="What if she doesn't see it?", titles=[])]
    query = standalone_query("And after that?", turns)
    assert "invite" in query.split() and "teammate" in query.split()
    # a new topic in between ends the chain
    turns = [INVITE, Turn(question="How are payout fees calculated?")]
    query = standalone_query("And for instant ones?", turns)
    assert "payout" in query.split() and "invite" not in query.split()


def test_own_terms_drop_stop_and_generic_words() -> None:
    assert own_terms("How long does it take to get a refund?") == ["refund"]


def test_turns_from_messages_pairs_answers_and_excludes_the_current_question() -> None:
    messages = [
        HumanMessage(content="How do refunds work?"),
        AIMessage(content="Refunds go back [1].", additional_kwargs={"citations": [{"title": "Refunds"}]}),
        HumanMessage(content="And the fee?"),
    ]
    turns = turns_from_messages(messages)
    assert turns == [Turn(question="How do refunds work?", answer="Refunds go back [1].", titles=["Refunds"])]


def test_history_keeps_the_newest_whole_turns_within_the_budget() -> None:
    turns = [Turn(question=f"question {i} " + "word " * 20, answer=f"answer {i}") for i in range(5)]
    count = lambda text: len(text.split())  # noqa: E731 - one token a word
    history = history_messages(turns, 60, count)
    # each turn costs 22 + 4 + 2 + 4 = 32 tokens: only the newest one fits 60
    assert [m["content"].split()[:2] for m in history] == [["question", "4"], ["answer", "4"]]
    assert history_messages(turns, 0, count) == []
    assert len(history_messages(turns, 10_000, count)) == 10
    assert [m["role"] for m in history_messages(turns, 10_000, count)[:2]] == ["user", "assistant"]


def test_with_history_goes_before_the_final_user_message() -> None:
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]
    history = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": "reply"}]
    assert [m["content"] for m in with_history(messages, history)] == ["s", "earlier", "reply", "q"]
    assert with_history(messages, []) == messages


def test_weak_cues_and_topic_switches() -> None:
    # "and"/"also" before a question with its own topic: a new topic, searched as typed
    for q in (
        "And how do I turn on automatic invoice reminders for my customers?",
        "Also, how do I send amounts in Japanese yen through the API?",
        "OK, different question: which card brands do you accept?",
    ):
        assert not is_followup(q, True) and standalone_query(q, [INVITE]) == q
    # a weak cue with a pronoun or an ellipsis still continues the thread
    assert is_followup("And which error does the API give me if I try anyway?", True)
    assert is_followup("And once I've sent it, how long until there's a decision?", True)
    assert is_followup("And if I cancel right away, is the unused time refunded?", True)  # "and if"


def test_smalltalk_and_placeholders_carry_no_topic() -> None:
    thanks = Turn(question="thanks a lot!", answer="You're welcome!", mode="smalltalk")
    query = standalone_query("And what if she still doesn't see it?", [INVITE, thanks])
    assert "invite" in query.split() and "thanks" not in query.split()
    assert standalone_query("What about it?", [thanks]) == "What about it?"
    mine = Turn(question="What are the charges for [EMAIL_1] on card [CARD_2]?")
    assert own_terms(mine.question) == ["charges", "card"]
