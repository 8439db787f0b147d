from pathlib import Path

import pytest

from deskpilot.settings import LOCAL_MODEL, Settings, get_settings


def test_defaults_are_embedded(tmp_path: Path) -> None:
    s = get_settings()
    assert s.llm_model == LOCAL_MODEL
    assert s.collection == "default"
    assert s.resolved_database_url.startswith("sqlite:///")
    assert s.resolved_database_url.endswith("deskpilot.db")
    assert s.qdrant_path.name == "qdrant"
    assert not s.is_postgres


def test_environment_overrides_after_cache_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKPILOT_LLM_MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv("DESKPILOT_LLM_FALLBACKS", '["anthropic/claude-3-5-haiku-latest"]')
    monkeypatch.setenv("DESKPILOT_DATABASE_URL", "postgresql://127.0.0.1/test")
    get_settings.cache_clear()
    s = get_settings()
    assert s.llm_model == "openai/gpt-4o-mini"
    assert s.llm_fallbacks == ["anthropic/claude-3-5-haiku-latest"]
    assert s.is_postgres


def test_settings_are_cached_not_reread() -> None:
    assert get_settings() is get_settings()


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("DESKPILOT_COLLECTION=kb2\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().collection == "kb2"
