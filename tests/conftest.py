"""Test-wide guards and fixtures.

- The process runs offline (same environment the CLI and API set).
- Sockets may only reach loopback: nothing in the suite can call a remote model or hub.
- Tests not marked ``integration`` cannot load the real local model: they must fake the
  LLM at the LiteLLM boundary (``mock_response``).
- Every test gets its own ``DESKPILOT_DATA_DIR`` and a fresh settings cache.
- A run that selects no integration test (``make test-unit``, one unit test file) embeds with
  ``tests.fakes.HashingEmbedder`` instead of MiniLM: no torch import, no model load. A run with
  integration tests in it embeds everything with MiniLM, so one index never holds both kinds of
  vectors; ``--embedder fake|real`` overrides the choice.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskpilot.offline import configure_offline_env

configure_offline_env()

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "datasets"
ACME = REPO / "examples" / "acme"

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address, *args, **kwargs):  # type: ignore[no-untyped-def]
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host in ("localhost",)
        if not allowed:
            raise RuntimeError(f"tests may not reach the network: {address!r}")
    return _real_connect(self, address, *args, **kwargs)


socket.socket.connect = _loopback_only  # type: ignore[method-assign]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--embedder",
        choices=("auto", "fake", "real"),
        default="auto",
        help="auto: the hashing fake unless the run selects integration tests; real: MiniLM",
    )


_EMBEDDER = pytest.StashKey[str]()
_embedder_patch = pytest.MonkeyPatch()


@pytest.hookimpl(trylast=True)  # after -m / -k deselection
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests.fakes import HashingEmbedder, choose_embedder

    any_integration = any(item.get_closest_marker("integration") for item in items)
    choice = choose_embedder(str(config.getoption("--embedder")), any_integration=any_integration)
    config.stash[_EMBEDDER] = choice
    if choice == "fake":
        from retrieval import embedder

        fake = HashingEmbedder()
        _embedder_patch.setattr(embedder, "load_embedder", lambda backend=None: fake)
        embedder.get_embedder.cache_clear()


def pytest_report_collectionfinish(config: pytest.Config) -> str:
    if config.stash.get(_EMBEDDER, "real") == "fake":
        return "embedder: tests.fakes.HashingEmbedder (no integration test selected; those get MiniLM)"
    return "embedder: MiniLM"


def pytest_unconfigure(config: pytest.Config) -> None:
    _embedder_patch.undo()


@pytest.fixture
def embedder_kind(request: pytest.FixtureRequest) -> str:
    """``fake`` or ``real``: which embedder ``retrieval.embedder.get_embedder()`` gives in this run."""
    return request.config.stash.get(_EMBEDDER, "real")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from deskpilot.settings import get_settings

    for key in list(__import__("os").environ):
        if key.startswith("DESKPILOT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DESKPILOT_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _no_real_model_in_unit_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("integration"):
        return
    from deskpilot.llm import local

    def refuse(self, *a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("unit tests may not run the real model: pass mock_response or mark integration")

    monkeypatch.setattr(local.LocalEngine, "_load", refuse)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (its own browser download cannot work offline).
    Missing Chromium skips locally but fails in CI, where `make setup` installs it."""
    import os
    import shutil

    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: `make system-deps` should have installed it")
        pytest.skip("Debian chromium not installed (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
