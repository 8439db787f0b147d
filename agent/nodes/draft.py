"""draft: compose the answer from passage units (``agent.compose``: sentences, and a lead with
the list / steps / table / code it introduces), cited by construction; when the model writes
(``agent_generation``, see ``generates``), stream its answer over numbered passages, check each
sentence as soon as it is complete (support + ``agent.entail``) and emit only the verified ones
(custom stream events), re-cited to the passage that supports them. With
``agent_extractive_lead`` the best composed unit is emitted first, before the model has read its
prompt, so TTFT (the first *verified* sentence) does not wait for the model; generation stops
as soon as the answer is full."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent import entail
from agent.context import AgentDeps, for_run
from agent.grounding import content_tokens, split_sentences, strip_cites
from agent.readout import answer_picks, answer_scope
from agent.state import AgentState
from agent.units import Unit
from deskpilot.exceptions import ModelError
from deskpilot.runconfig import RunConfig

log = logging.getLogger(__name__)

MAX_REJECTED = 2  # unsupported model sentences after which the rest of the draft is not read
IDK_RE = re.compile(r"\b(i don'?t know|i do not know|not (mentioned|provided|specified) in)\b", re.I)


def numbered_context(hits: list[dict[str, Any]], texts: list[str] | None = None) -> str:
    blocks = []
    for i, h in enumerate(hits, start=1):
        head = " — ".join(p for p in (h.get("title"), h.get("heading")) if p)
        text = texts[i - 1] if texts else h["text"]
        blocks.append(f"[{i}] {head}\n{text.strip()}")
    return "\n\n".join(blocks)


def is_claim(sentence: str, hits: list[dict[str, Any]]) -> bool:
    """A sentence worth checking: not a refusal, not an echoed title/heading, not a fragment."""
    plain = strip_cites(sentence)
    if IDK_RE.search(plain) or " > " in plain or plain.endswith("?") or len(content_tokens(plain)) < 3:
        return False
    if re.match(r"^\s*(question|answer|passages?|context)\s*:", plain, re.I):
        return False
    heads = {
        seg.strip().lower()
        for h in hits
        for p in (h.get("title") or "", h.get("heading") or "")
        for seg in p.split(">")
        if seg.strip()
    }
    return not any(plain.lower().strip(" .").startswith(head) for head in heads if len(head) > 3)


def citation_of(hit: dict[str, Any]) -> dict[str, Any]:
    cite = {k: hit.get(k) for k in ("source", "title", "heading", "url")}
    return {**cite, "also_in": list(hit.get("also_in") or [])}


class SentenceGate:
    """Collects verified sentences and emits them (and their first citations) as they pass.

    ``emit`` takes passage text (a sentence, or a ``Unit`` with the list/steps/table/code it
    introduces), cited by construction. ``offer`` takes a sentence that is *not* copied from a
    passage (the model's): it must be relevant to the question, supported by a passage
    (``Grounder.best_support``) and pass the entailment checks (``agent.entail``: values,
    negation, restating the question, the user's own words) against that passage. The
    ``question`` may be a chat question or a whole ticket; its words are never evidence."""

    def __init__(
        self,
        deps: AgentDeps,
        hits: list[dict[str, Any]],
        limit: int,
        writer: Callable[[Any], None] | None = None,
        question: str | None = None,
        weight: Callable[[str], float] | None = None,
    ) -> None:
        self.deps, self.hits, self.limit, self.weight = deps, hits, limit, weight
        self.question = question or ""
        self.question_vec = deps.grounder.embed([question])[0] if question else None
        self.writer = writer or (lambda _event: None)
        self.sentences: list[str] = []
        self.parts: list[str] = []  # the answer's pieces with their separators
        self.cited: list[int] = []
        self.checks: list[dict[str, Any]] = []

    def offer(self, sentence: str) -> None:
        if self.full or not is_claim(sentence, self.hits):
            return
        words = content_tokens(strip_cites(sentence))
        for kept in self.sentences:  # near-duplicates add nothing
            other = content_tokens(strip_cites(kept))
            if len(words & other) / max(1, len(words | other)) >= 0.6 or words <= other:
                return
        vector = self.deps.grounder.embed([strip_cites(sentence)])[0]
        relevance = float(vector @ self.question_vec) if self.question_vec is not None else 1.0
        if relevance < self.deps.config.agent_min_relevance:  # true, maybe, but not an answer
            self.checks.append({"sentence": sentence, "passage": None, "relevance": round(relevance, 4)})
            return
        n, support = self.deps.grounder.best_support(sentence, self.hits, vector, self.weight)
        check: dict[str, Any] = {
            "sentence": sentence,
            "passage": n,
            **(support.model_dump() if support else {}),
        }
        self.checks.append(check)
        if n is None:
            return
        reasons = entail.check(sentence, self.hits[n - 1]["text"], question=self.question)
        if reasons:
            check.update(passage=None, entailment=reasons)
            return
        self.emit(sentence, n)

    def emit(self, sentence: str | Unit, n: int) -> None:
        """Emit ``sentence`` supported by passage ``n``; the marker ``[k]`` is renumbered so that
        it points at ``citations[k-1]`` (citations are listed in order of first use)."""
        new = n not in self.cited
        if new:
            self.cited.append(n)
        marker = f"[{self.cited.index(n) + 1}]"
        if isinstance(sentence, Unit):
            text = sentence.render(marker)
        else:
            body = strip_cites(sentence).rstrip()
            end = body[-1] if body[-1:] in (".", "!", "?") else "."
            text = f"{body.rstrip('.!?:').rstrip()} {marker}{end}"
        sep = ("\n\n" if "\n" in self.parts[-1] or "\n" in text else " ") if self.parts else ""
        self.writer({"type": "token", "text": sep + text})
        self.sentences.append(text)
        self.parts.append(sep + text)
        if new:
            self.writer({"type": "citation", **citation_of(self.hits[n - 1])})

    @property
    def answer(self) -> str:
        """The answer text: sentences joined; a list or code block is its own paragraph."""
        return "".join(self.parts)

    @property
    def full(self) -> bool:
        return len(self.sentences) >= self.limit

    @property
    def rejected(self) -> int:
        """Model sentences checked and not kept (irrelevant, unsupported or not entailed)."""
        return sum(1 for c in self.checks if c["passage"] is None)

    @property
    def citations(self) -> list[dict[str, Any]]:
        return [citation_of(self.hits[n - 1]) for n in self.cited]


def searched_question(deps: AgentDeps, state: AgentState) -> str:
    """The question as retrieval searched it (typos corrected against the tenant's vocabulary),
    so units are chosen for "scalprum", not "scalphrum"."""
    question = state.get("query") or state["question"]  # a follow-up: its standalone query
    if deps.spell is None or not deps.config.retrieval_spelling:
        return question
    return deps.spell(question, state.get("collection") or deps.settings.collection, state["tenant"])


def generates(settings: Any) -> bool:
    """Whether the model writes answer sentences: ``agent_generation`` "always"/"never", or
    "auto" = only for a model that is not the local one (with the 135M local model the composed
    passage units alone read better — see the setting's description)."""
    mode = getattr(settings, "agent_generation", "auto")
    return mode == "always" or (mode == "auto" and not str(settings.llm_model).startswith("local/"))


def make_draft(deps: AgentDeps) -> Callable[..., dict[str, Any]]:
    def draft(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> dict[str, Any]:
        d = for_run(deps, runtime)
        s = d.config
        top = state["retrieved"][: s.agent_context_k]
        writer = get_stream_writer()
        picks, hits = answer_picks(
            d.grounder,
            searched_question(d, state),
            top,
            state.get("collection") or d.settings.collection,
            scope=answer_scope(s, state),
            max_units=s.agent_max_sentences,
            min_relevance=s.agent_min_relevance,
        )
        if not generates(s):
            # composed passage units only: cited by construction, no model call
            gate = SentenceGate(d, hits, s.agent_max_sentences, writer, question=state["question"])
            for pick in picks:
                gate.emit(pick.unit, pick.passage)
            out: dict[str, Any] = {"draft": "", "answer": gate.answer, "citations": gate.citations}
            if gate.answer:
                out["answer_mode"] = "extractive"
            return out
        return _generate(d, state, hits, picks, writer)

    return draft


def _generate(
    deps: AgentDeps, state: AgentState, hits: list[dict[str, Any]], picks: list[Any], writer: Any
) -> dict[str, Any]:
    """The model writes the answer after the composed lead; every sentence goes through the gate."""
    import litellm

    from agent.followup import with_history
    from agent.nodes.condense import prior_turns
    from deskpilot import llm

    s = deps.config
    prompt = deps.prompt("answer")
    focused = [deps.grounder.focus(state["question"], h, max_sentences=s.agent_focus_sentences) for h in hits]
    messages = prompt.render(
        company=s.agent_company,
        context=numbered_context(hits, focused),
        question=state["question"],
        max_sentences=s.agent_max_sentences,
    )
    messages = with_history(messages, prior_turns(s, state))  # earlier turns, within the token budget
    weight = None
    if deps.doc_freq is not None:
        from agent.evidence import idf_weight

        weight = idf_weight(
            deps.doc_freq(state.get("collection") or deps.settings.collection, state["tenant"])
        )
    gate = SentenceGate(deps, hits, s.agent_max_sentences, writer, question=state["question"], weight=weight)
    if s.agent_extractive_lead and picks:
        # the best passage unit goes out first, cited by construction, while the model reads
        # the prompt; the model's sentences that only repeat it are dropped by the gate
        gate.emit(picks[0].unit, picks[0].passage)
    lead = len(gate.sentences)
    kwargs = deps.llm_kwargs("draft", max_tokens=s.agent_draft_max_tokens)
    raw, pending = "", ""
    try:
        for delta in llm.stream(messages, **kwargs):
            raw += delta
            pending += delta
            parts = split_sentences(pending)
            if len(parts) > 1:
                for sentence in parts[:-1]:
                    gate.offer(sentence)
                pending = parts[-1]
                if gate.full or gate.rejected >= MAX_REJECTED or IDK_RE.search(parts[0]):
                    # full, off track, or giving up: stop paying for tokens
                    pending = ""
                    break
    except ModelError as exc:
        # a timeout or provider outage degrades the answer, never the request: what was
        # verified so far stands, and with nothing verified the grounding step falls back
        # to quoting the passages (or abstains)
        log.warning("draft model call failed, falling back: %s", exc.message)
        pending = ""
    if pending.strip():
        gate.offer(pending.strip())
    generated = len(gate.sentences) > lead
    if lead and not generated:  # the model added nothing: the rest of the composed answer
        for pick in picks[1:]:
            gate.emit(pick.unit, pick.passage)
    prompt_tokens = litellm.token_counter(model=s.llm_model, messages=messages)
    completion_tokens = litellm.token_counter(model=s.llm_model, text=raw) if raw else 0
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "cost_usd": _cost(s.llm_model, prompt_tokens, completion_tokens),
        "llm_calls": 1,
    }
    out: dict[str, Any] = {
        "draft": raw,
        "answer": gate.answer,
        "citations": gate.citations,
        "usage": usage,
        "prompt_refs": [prompt.ref],
    }
    if gate.answer:
        out["answer_mode"] = "generated" if generated else "extractive"
    return out


def _cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    import litellm

    try:
        p, c = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
        return float(p + c)
    except Exception:  # unknown pricing
        return 0.0
