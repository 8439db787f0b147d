"""The procedure or list that follows a lead sentence further down its passage.

Documentation puts a task's lead sentence first ("You can delete a role … using the Web UI."),
then a note, the prerequisites (a bullet list of "You have …" lines) and only then the numbered
steps, often with a command or configuration block after a step. The lead alone stops where the
useful part begins; :func:`follow_steps` finds the steps that belong to it (same section: no
heading in between) and returns the lead *with* them as one :class:`agent.units.Unit`:

- numbered steps are collected across the notes, code blocks and one-line remarks between them;
  a one-line command is put inline, a longer code block is indented under its step (bounded);
- a prerequisite list is skipped (it is not the answer to "how do I …");
- a plain bullet list is taken when no numbered steps follow;
- everything is bounded (``MAX_STEPS`` steps, ``MAX_CHARS`` characters, ``MAX_CODE_LINES`` per
  block); what is cut is said ("… (n more in the cited passage)").

When the lead is itself one of the steps, the whole procedure is returned under the sentence that
introduces it (nothing when there is none); when it is one bullet (a prerequisite, a tool), its
whole list, under its intro (else under its first entry).
"""

from __future__ import annotations

import re

from agent.units import Unit, clean, introduces, is_heading, passage_blocks, sentences_of

MAX_STEPS = 8
MAX_CHARS = 1400
MAX_CODE_LINES = 12
MAX_CODE_CHARS = 500

_PREREQ = re.compile(
    r"^(?:you(?:r)?\b|an? [\w -]+ (?:is|are) (?:installed|running|available|configured|enabled)|"
    r"(?:access|admin|administrator|cluster)\b|[^.]*\b(?:installed|access to|permissions?|is created|exists)\b)",
    re.I,
)

_Block = tuple[str, list[str], str]


def _is_prereq_list(entries: list[str]) -> bool:
    return bool(entries) and all(_PREREQ.match(clean(e)) for e in entries)


def _code_item(step: str, body: list[str], lang: str) -> tuple[str, int]:
    """``step`` with its code block: inline when one short line, else an indented fence."""
    code = [x.rstrip() for x in body if x.strip()]
    if not code:
        return step, 0
    if len(code) == 1 and len(code[0].strip()) <= 160:
        return f"{step.rstrip('.:').rstrip()}: `{code[0].strip()}`", 0
    kept = code[:MAX_CODE_LINES]
    while len("\n".join(kept)) > MAX_CODE_CHARS and len(kept) > 1:
        kept.pop()
    cut = len(code) - len(kept)
    indent = "   "
    fence = "\n".join(
        [f"{indent}```{lang}", *(indent + x for x in kept), *([indent + "…"] if cut else []), f"{indent}```"]
    )
    head = step.rstrip()
    head = head if head.endswith(":") else head.rstrip(".") + ":"
    return f"{head}\n{fence}", cut


def _step_text(entry: str) -> str:
    text = clean(entry)
    return text if text.endswith((".", "!", "?", ":", "`")) else text + "."


def _collect(blocks: list[_Block], start: int) -> tuple[list[str], bool, int]:
    """(items, ordered, left out) of the steps (else the plain list) after block ``start``."""
    steps: list[str] = []
    plain: list[str] = []
    prose = 0  # paragraphs (notes) passed before the steps
    for b in range(start + 1, len(blocks)):
        kind, entries, lang = blocks[b]
        if kind == "heading":
            break
        if kind == "olist":
            steps += [_step_text(e) for e in entries]
        elif kind == "code":
            target = steps or plain
            if target and "```" not in target[-1]:  # one block per step (a second one: cut)
                target[-1], _ = _code_item(target[-1], entries, lang)
        elif kind == "list":
            if steps and "```" not in steps[-1]:  # sub-items of a step ("where:" placeholders)
                steps[-1] = steps[-1].rstrip() + " " + "; ".join(clean(e) for e in entries[:4])
            elif steps:
                continue
            elif not plain and not _is_prereq_list(entries):
                plain = [_step_text(e) for e in entries]
        elif kind == "para" and not steps and plain:
            break  # prose after the plain list: the list is over
        elif kind == "para" and not steps:
            prose += 1
            if prose > 2:
                break  # the lead is far above: what comes is not its block
        elif kind == "para" and steps:
            nxt = blocks[b + 1][0] if b + 1 < len(blocks) else ""
            if nxt not in ("olist", "code"):
                break  # prose after the last step: the procedure is over
        elif kind == "table":
            break
    if len(plain) == 1 and is_heading(plain[0].rstrip(".")):
        plain = []  # a lone heading-like line ("Installing the plug-ins") is not a list
    items = steps or plain
    cut = 0
    while items and items[-1].rstrip().endswith(":"):  # its block is not in the passage
        items.pop()
        cut += 1
    return items, bool(steps), cut


def _bounded(
    items: list[str], max_steps: int = MAX_STEPS, max_chars: int = MAX_CHARS
) -> tuple[tuple[str, ...], int]:
    kept: list[str] = []
    size = 0
    for item in items:
        if len(kept) >= max_steps or (kept and size + len(item) > max_chars):
            break
        kept.append(item)
        size += len(item)
    return tuple(kept), len(items) - len(kept)


def _locate(blocks: list[_Block], sentence: str) -> tuple[int, str]:
    """(block index, kind) of the block that holds ``sentence`` (-1 when not found)."""
    for b, (kind, entries, _lang) in enumerate(blocks):
        listed = kind != "para"
        if kind in ("para", "list", "olist") and any(
            sentence in sentences_of(e, listed=listed) for e in entries
        ):
            return b, kind
    return -1, ""


def _procedure_start(blocks: list[_Block], b: int) -> int:
    """The first block of the run of steps (with their code and remarks) that holds block ``b``."""
    start = b
    while start > 0:
        kind = blocks[start - 1][0]
        within = kind in ("olist", "code") or (
            kind == "para" and start > 1 and blocks[start - 2][0] == "olist"
        )
        if not within:
            break
        start -= 1
    while blocks[start][0] != "olist":
        start += 1
    return start


def _intro(blocks: list[_Block], start: int) -> tuple[int, str]:
    """The prose sentence that introduces the procedure starting at block ``start``: the last
    sentence of the paragraph above it, past notes and the prerequisite list (no heading)."""
    for b in range(start - 1, max(-1, start - 5), -1):
        kind, entries, extra = blocks[b]
        if kind == "heading":
            break
        if kind == "para" and extra != "note":
            sentences = [s for e in entries for s in sentences_of(e) if not _SEE_ONLY.match(s)]
            if not sentences and b > 0:
                continue  # a "For more information, see …" paragraph does not introduce the steps
            if sentences and not is_heading(sentences[-1]) and len(sentences[-1].split()) >= 4:
                return b, sentences[-1]
            break
    return -1, ""


_LIST_WORDS = re.compile(r"\b(?:includes?|including|requires?|consists? of)\b", re.I)


def _announces(sentence: str) -> bool:
    """Whether ``sentence`` announces the list below it (``agent.units.introduces``, or "includes")."""
    return introduces(sentence) or bool(_LIST_WORDS.search(sentence))


_SEE_ONLY = re.compile(r"^\s*(?:For more information|For more details|For details|See|Refer to)\b", re.I)
_SEE = re.compile(r"\s*(?:For more information|For more details|For details),? see [^.]*\.?$", re.I)


def _entry(entry: str) -> str:
    """A bullet as shown in its list: without a trailing "For more information, see …" pointer."""
    text = _SEE.sub("", clean(entry)).strip()
    return _step_text(text) if text else ""


def _whole_list(
    blocks: list[_Block], b: int, bounds: tuple[int, int] = (MAX_STEPS, MAX_CHARS)
) -> Unit | None:
    """A bullet chosen as the lead (one prerequisite, one tool, one feature): its whole list,
    under the sentence that introduces it (else under its first entry)."""
    entries = [_entry(e) for e in blocks[b][1]]
    entries = [e for e in entries if e and not e.endswith(":")]  # its sub-list is not shown
    if len(entries) < 2:
        return None
    _, head = _intro(blocks, b)
    if head and not _announces(head):
        head = ""  # the sentence above does not announce a list: it is about something else
    if not head:
        head, entries = entries[0], entries[1:]
    kept, more = _bounded(entries, *bounds)
    return Unit(lead=head, items=kept, more=more)


def _code_after(blocks: list[_Block], b: int, head: str) -> Unit | None:
    """``head`` with the code block right after its paragraph (the command or configuration the
    paragraph's last sentence describes: "…by running the helm install command with namespace and
    set options."), bounded to ``MAX_CODE_LINES``."""
    if b + 1 >= len(blocks) or blocks[b + 1][0] != "code":
        return None
    code = [x.rstrip() for x in blocks[b + 1][1] if x.strip()]
    if not code:
        return None
    kept = code[:MAX_CODE_LINES]
    return Unit(lead=head, code="\n".join(kept), lang=blocks[b + 1][2], more=int(len(code) > len(kept)))


def _resumes(blocks: list[_Block], b: int) -> bool:
    """Whether the first numbered list after block ``b`` (same section) starts past 1."""
    for kind, _entries, extra in blocks[b + 1 :]:
        if kind == "heading":
            return False
        if kind == "olist":
            return extra not in ("", "1")
    return False


def follow_steps(
    text: str, lead: Unit, *, howto: bool = False, max_steps: int = MAX_STEPS, max_chars: int = MAX_CHARS
) -> Unit | None:
    """``lead`` with the steps / list that follow it in passage ``text`` (None: nothing follows).

    ``howto`` (a "how do I …" question): the procedure below the lead's paragraph is brought even
    when more prose follows the lead in that paragraph (the task's intro sentence is often not the
    paragraph's last). ``max_steps`` / ``max_chars`` bound the block (a section read-out,
    ``agent.readout``, allows more than a composed answer)."""
    if lead.has_block:
        return None
    blocks = passage_blocks(text)
    b, kind = _locate(blocks, lead.lead)
    if b < 0:
        return None
    head = lead.lead
    last = True  # the lead ends its paragraph
    if kind == "olist":  # the lead is one of the steps: the whole procedure, under its intro
        start = _procedure_start(blocks, b)
        if blocks[start][2] not in ("", "1"):
            return None  # steps resumed after a remark: the remark is not their intro
        b, head = _intro(blocks, start)
        if b < 0:
            return None
    elif kind == "list":
        return _whole_list(blocks, b, (max_steps, max_chars))
    elif blocks[b][2] == "note" or (b > 0 and blocks[b - 1][0] == "olist"):
        return None  # a note or a remark between steps does not lead a procedure
    else:
        sentences = [s for e in blocks[b][1] for s in sentences_of(e)]
        last = not sentences or sentences[-1] == lead.lead
        if not last and not howto:
            return None  # more prose follows the lead in its paragraph: it does not announce a block
        if last and (code := _code_after(blocks, b, head)) is not None:
            return code
    if kind == "para" and _resumes(blocks, b):
        return None  # the steps below continue a procedure that started above this remark
    items, ordered, cut = _collect(blocks, b)
    if not items or (not ordered and not last):  # past more prose, only a procedure is its block
        return None
    kept, more = _bounded(items, max_steps, max_chars)
    return Unit(lead=head, items=kept, ordered=ordered, more=more + cut)
