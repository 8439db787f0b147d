"""Runtime dependencies of the graph, bound once when it is built, and the run configuration.

``AgentDeps.run`` is the service's default :class:`~deskpilot.runconfig.RunConfig`; each
invocation may carry its own as LangGraph runtime context (``graph.invoke(..., context=run)``),
and every node reads the one of THIS invocation through :func:`for_run`. ``settings`` stays for
infrastructure only (where the data lives); what shapes an answer comes from the run.

A deployment swaps any part: the search function (default ``retrieval.search.search``), the
triager (``triage.get_triager``), the tool backend (``SqlToolBackend``) and model settings.
``llm_overrides`` adds LiteLLM keyword arguments per call purpose (``plan``, ``draft``,
``summary``, ``assist``) — tests use it to pass ``mock_response`` / ``mock_tool_calls``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from agent.grounding import Grounder
from agent.tools.backend import ToolBackend
from deskpilot.runconfig import RunConfig, build_run_config
from deskpilot.settings import Settings

SearchFn = Callable[..., list[Any]]
"""``search(query, *, collection, tenant, k, mode) -> list[SearchHit-like]``."""


class TriagerLike(Protocol):
    def predict(self, text: str) -> Any: ...


@dataclass
class AgentDeps:
    search: SearchFn
    backend: ToolBackend
    grounder: Grounder
    settings: Settings
    triager: TriagerLike | None = None
    doc_freq: Callable[[str, str], Any] | None = None
    """``(collection, tenant) -> (df, n)`` for the coverage signal; None disables it."""
    spell: Callable[[str, str, str], str] | None = None
    """``(text, collection, tenant) -> text`` with misspelt words corrected, as search does, so
    the evidence signals judge the question that was searched; None: the text as typed."""
    permissions: frozenset[str] = frozenset({"read", "money", "escalate"})
    llm_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    run: RunConfig | None = None
    """The default run (``RunConfig.from_settings(settings)`` when not given)."""
    _views: dict[str, AgentDeps] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.run is None:
            self.run = RunConfig.from_settings(self.settings)

    @property
    def config(self) -> RunConfig:
        assert self.run is not None  # set in __post_init__
        return self.run

    def at(self, run: RunConfig | None) -> AgentDeps:
        """These deps for one run: its config, and a grounder at its thresholds (sharing the cache)."""
        if run is None or run == self.run:
            return self
        key = run.config_hash
        view = self._views.get(key)
        if view is None:
            grounder = self.grounder.tuned(min_cosine=run.min_support, min_lexical=run.agent_min_lexical)
            view = replace(self, run=run, grounder=grounder, _views={})
            self._views[key] = view
        return view

    @property
    def native_tools(self) -> bool:
        """A capable model plans with LiteLLM tool calling; the local one routes deterministically."""
        return not self.config.local_model

    def llm_kwargs(self, purpose: str, **defaults: Any) -> dict[str, Any]:
        """The run's model, fallbacks, timeout and retries, the call's ``defaults``, then overrides."""
        return self.config.llm_kwargs() | defaults | dict(self.llm_overrides.get(purpose, {}))

    def prompt(self, name: str) -> Any:
        """The prompt ``name`` at the version this run pins."""
        from deskpilot.prompts import load_prompt

        return load_prompt(name, self.config.prompt_version(name))


def for_run(deps: AgentDeps, runtime: Any) -> AgentDeps:
    """``deps`` for the invocation whose LangGraph ``runtime`` (or ``None``) is given."""
    context = getattr(runtime, "context", None)
    return deps.at(context if isinstance(context, RunConfig) else None)


def hit_to_dict(hit: Any) -> dict[str, Any]:
    """SearchHit (or a dict) → the plain dict stored in graph state."""
    if isinstance(hit, dict):
        data = dict(hit)
    elif hasattr(hit, "model_dump"):
        data = hit.model_dump()
    else:
        data = {
            k: getattr(hit, k, None)
            for k in ("id", "source", "title", "heading", "text", "score", "url", "also_in")
        }
    return {
        "id": str(data.get("id") or ""),
        "source": str(data.get("source") or ""),
        "title": str(data.get("title") or ""),
        "heading": str(data.get("heading") or ""),
        "text": str(data.get("text") or ""),
        "score": float(data.get("score") or 0.0),
        "url": data.get("url"),
        "also_in": [str(s) for s in data.get("also_in") or []],
    }


def default_deps(settings: Settings, **overrides: Any) -> AgentDeps:
    """Production wiring: real retrieval, triage, database backend and embedder."""
    from agent.guard.similarity import configure_cache

    configure_cache(settings.guard_cache_dir)
    run = overrides.get("run") or build_run_config(settings)  # + settings.run_config_file
    overrides["run"] = run
    from agent.tools.backend import SqlToolBackend
    from agent.tools.seed import DEFAULT_SEED, seed_from_file
    from retrieval.embedder import get_embedder

    if "search" not in overrides:
        from retrieval.search import search

        overrides["search"] = search
        if "doc_freq" not in overrides:
            from agent.evidence import collection_doc_freq

            overrides["doc_freq"] = collection_doc_freq
        if "spell" not in overrides:  # used only when the run asks for spelling
            overrides["spell"] = _spell
    if "triager" not in overrides:
        overrides["triager"] = _load_triager(settings)
    if "backend" not in overrides:
        backend = SqlToolBackend()
        seed = settings.agent_seed_file or DEFAULT_SEED
        if seed.is_file() and backend.is_empty(settings.tenant):
            seed_from_file(seed, settings.tenant, backend.engine)
        overrides["backend"] = backend
    if "grounder" not in overrides:  # the embedder loads on first use, not here

        def embed(texts: list[str]) -> Any:
            return get_embedder().embed(texts)

        grounder_embed = cached_embed(settings, embed) if settings.vector_cache else embed
        overrides["grounder"] = Grounder(
            grounder_embed, min_cosine=run.min_support, min_lexical=run.agent_min_lexical
        )
    return AgentDeps(settings=settings, **overrides)


def cached_embed(settings: Settings, embed: Callable[[list[str]], Any]) -> Callable[[list[str]], Any]:
    """``embed`` behind the data dir's persistent vector cache (``retrieval.vector_cache``)."""
    from retrieval.embedder import get_embedder
    from retrieval.vector_cache import CachedEmbed, VectorCache

    def open_cache() -> VectorCache:
        embedder = get_embedder()
        model = str(getattr(embedder, "name", type(embedder).__name__))
        return VectorCache(settings.data_dir / "cache" / "vectors.sqlite", model)

    return CachedEmbed(embed, open_cache)


def _spell(text: str, collection: str, tenant: str) -> str:
    from retrieval.spelling import collection_speller

    return collection_speller(collection, tenant).correct(text)


def _load_triager(settings: Settings) -> TriagerLike | None:
    try:
        from triage import get_triager

        return get_triager(settings)
    except Exception:  # no model and no queues file: the agent runs without triage
        return None
