"""Data the code reads at run time is package data, found through the package, not the checkout.

The wheel itself is built, installed and run by .ci/wheel-smoke (make test-wheel)."""

import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

from agent.tools.seed import DEFAULT_SEED
from deskpilot.prompts import PROMPTS_DIR, prompt_versions

REPO = Path(__file__).resolve().parents[2]


def test_prompts_come_from_the_prompts_package() -> None:
    import prompts

    assert prompts.__file__ is not None
    assert Path(str(PROMPTS_DIR)) == Path(prompts.__file__).parent
    assert prompt_versions(PROMPTS_DIR).keys() == prompt_versions(REPO / "prompts").keys()


def test_a_prompts_folder_in_the_working_directory_does_not_shadow_them(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()  # a namespace package candidate, as a user's project might have
    (tmp_path / "prompts" / "answer.v9.md").write_text("---\nname: answer\nversion: 9\n---\nx\n")
    code = "from deskpilot.prompts import prompt_versions; print(prompt_versions()['answer'])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert int(out.stdout) == prompt_versions()["answer"] != 9


def test_default_seed_is_package_data_with_the_samples_rows() -> None:
    assert DEFAULT_SEED.parent == REPO / "agent" / "tools" / "data"
    assert DEFAULT_SEED.read_bytes() == (REPO / "examples" / "acme" / "seed.json").read_bytes()


def test_package_data_globs_cover_the_shipped_files() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "prompts" in config["packages"]["find"]["include"]
    data = config["package-data"]

    def shipped(path: Path) -> bool:
        package, *rest = path.relative_to(REPO).parts
        return any(fnmatch("/".join(rest), glob) for glob in data.get(package, []))

    files = [*(REPO / "prompts").glob("*.md"), DEFAULT_SEED, *(REPO / "agent" / "guard" / "data").glob("*")]
    assert files and [f for f in files if not shipped(f)] == []
