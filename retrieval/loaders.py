"""Load Markdown, text and HTML files into :class:`~retrieval.models.Document`.

Markdown may start with YAML front matter (``title``, ``url``). HTML is converted to
Markdown-like text (headings as ``#``, ``<pre>`` as fenced code, list items as ``*``) so the
chunker sees one structure. Unreadable files are skipped, counted and logged as warnings.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import yaml

from deskpilot.exceptions import UserInputError
from retrieval.models import Document

log = logging.getLogger(__name__)

SUFFIXES = {".md": "md", ".markdown": "md", ".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html"}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    roots: list[Path] = field(default_factory=list)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[m.end() :]


class _HtmlToMarkdown(HTMLParser):
    _BLOCK: ClassVar[set[str]] = {
        "p",
        "div",
        "section",
        "article",
        "table",
        "tr",
        "br",
        "blockquote",
        "dd",
        "dt",
    }
    _SKIP: ClassVar[set[str]] = {"script", "style", "nav", "footer", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.title = ""
        self._in_title = False
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "pre":
            self._pre += 1
            self.out.append("\n\n```\n")
        elif tag == "li":
            self.out.append("\n* ")
        elif tag in self._BLOCK:
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
            self.out.append("\n```\n\n")
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.out.append(data if self._pre else re.sub(r"\s+", " ", data))

    def markdown(self) -> str:
        text = "".join(self.out)
        text = "\n".join(line.rstrip() for line in text.splitlines())
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def html_to_markdown(html: str) -> tuple[str, str]:
    """Return (title, markdown-like text)."""
    parser = _HtmlToMarkdown()
    parser.feed(html)
    parser.close()
    return parser.title.strip(), parser.markdown()


def load_file(path: Path, *, root: Path) -> Document:
    """Load one file; raises ``OSError``/``UnicodeDecodeError``/``ValueError`` if unreadable."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"unsupported file type {path.suffix!r}")
    raw = path.read_text(encoding="utf-8")
    if "\x00" in raw:
        raise ValueError("binary content")
    meta: dict[str, object] = {}
    title = ""
    if kind == "md":
        meta, text = split_front_matter(raw)
    elif kind == "html":
        title, text = html_to_markdown(raw)
    else:
        text = raw
    if not title:
        title = str(meta.get("title") or "")
    if not title:
        m = _H1.search(text)
        title = m.group(1).strip() if m else path.stem.replace("-", " ").replace("_", " ")
    url = meta.get("url")
    source = path.name if root == path else path.relative_to(root).as_posix()
    return Document(
        source=source,
        root=str(root),
        title=title,
        url=str(url) if url else None,
        text=text,
        doc_hash=content_hash(raw),
    )


def iter_files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        if (
            path.is_file()
            and path.suffix.lower() in SUFFIXES
            and not any(part.startswith(".") for part in path.relative_to(root).parts)
        ):
            yield path


def load_paths(paths: Iterable[str | Path]) -> LoadResult:
    """Load every supported file under ``paths``; a missing path is a :class:`UserInputError`."""
    result = LoadResult()
    resolved = [Path(p).expanduser().resolve() for p in paths]
    if not resolved:
        raise UserInputError("no path given to ingest")
    for p in resolved:
        if not p.exists():
            raise UserInputError(f"path does not exist: {p}")
    for root in resolved:
        result.roots.append(root)
        for path in iter_files(root):
            try:
                result.documents.append(load_file(path, root=root))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                log.warning("skipping unreadable file %s: %s", path, exc)
                result.skipped.append((str(path), str(exc)))
    return result
