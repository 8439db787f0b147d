from pathlib import Path

import pytest

from deskpilot.exceptions import PromptError
from deskpilot.prompts import PROMPTS_DIR, load_prompt, parse_prompt, prompt_versions


def _write(tmp: Path, name: str, body: str) -> Path:
    path = tmp / name
    path.write_text(body, encoding="utf-8")
    return path


def test_every_shipped_prompt_parses_and_names_its_version() -> None:
    versions = prompt_versions()
    assert {"answer", "draft_reply", "escalation"} <= versions.keys()
    for name, version in versions.items():
        prompt = load_prompt(name)
        assert prompt.version == version
        assert prompt.ref == f"{name}@v{version}"
        assert prompt.sections[0][0] == "system"


def test_render_fills_variables_and_splits_roles(tmp_path: Path) -> None:
    _write(tmp_path, "greet.v2.md", "---\nname: greet\nversion: 2\n---\nBe {tone}.\n===user===\nHi {who}\n")
    _write(tmp_path, "greet.v1.md", "---\nname: greet\nversion: 1\n---\nold\n")
    prompt = load_prompt("greet", directory=tmp_path)
    assert prompt.version == 2
    messages = prompt.render(tone="kind", who="Ana")
    assert messages == [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hi Ana"},
    ]
    assert load_prompt("greet", 1, directory=tmp_path).render() == [{"role": "system", "content": "old"}]


def test_missing_variable_raises_instead_of_rendering_a_hole(tmp_path: Path) -> None:
    _write(tmp_path, "q.v1.md", "---\nname: q\nversion: 1\n---\n{a} and {b}\n")
    prompt = parse_prompt(tmp_path / "q.v1.md")
    with pytest.raises(PromptError, match=r"missing variables: \['b'\]"):
        prompt.render(a="x")
    with pytest.raises(PromptError, match="unknown variables"):
        prompt.render(a="x", b="y", c="z")


def test_literal_braces_can_be_escaped(tmp_path: Path) -> None:
    _write(tmp_path, "j.v1.md", '---\nname: j\nversion: 1\n---\nReply {{"ok": true}} to {who}\n')
    assert load_prompt("j", directory=tmp_path).render(who="me")[0]["content"] == 'Reply {"ok": true} to me'


@pytest.mark.parametrize(
    ("filename", "body", "message"),
    [
        ("bad.md", "---\nname: bad\nversion: 1\n---\nx", "name.v1.md"),
        ("x.v1.md", "no front matter", "front matter"),
        ("y.v1.md", "---\nname: z\nversion: 1\n---\nx", "disagree"),
        ("w.v1.md", "---\nname: w\nversion: 1\n---\n{a.b}", "plain identifiers"),
    ],
)
def test_malformed_prompt_files_are_rejected(tmp_path: Path, filename: str, body: str, message: str) -> None:
    with pytest.raises(PromptError, match=message):
        parse_prompt(_write(tmp_path, filename, body))


def test_unknown_prompt_and_version() -> None:
    with pytest.raises(PromptError, match="no prompt named"):
        load_prompt("nope")
    with pytest.raises(PromptError, match="no version 99"):
        load_prompt("answer", 99)
    assert PROMPTS_DIR.is_dir()
