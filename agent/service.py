"""AgentService: what the API, CLI and evals call (ask / astream / resume / assist_ticket).

The graph runs synchronously (llama.cpp and the sync savers are synchronous); ``astream``
runs it in a worker thread and forwards its custom stream events. Only text that passed the
grounding check is ever emitted, so the first ``token`` event is the first verified sentence.

Each call may carry its own :class:`~deskpilot.runconfig.RunConfig` (``run=``; default: the
service's, built from its settings at the entry point). It reaches the graph as LangGraph runtime
context, so two calls with different runs in one process use their own model, prompts and k.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack
from typing import Any

from langgraph.types import Command

from agent.checkpoint import open_checkpointer
from agent.context import AgentDeps, default_deps
from agent.graph import build_graph
from agent.guard import redact
from agent.guard.pii import stored_entities
from agent.models import AgentEvent, AgentResult, Citation, TicketAssist, ToolCallInfo, Usage
from agent.nodes.respond import money
from deskpilot.aio import iterate_in_thread
from deskpilot.exceptions import NotFoundError, UserInputError
from deskpilot.llm import configure_local
from deskpilot.runconfig import RunConfig
from deskpilot.settings import Settings
from retrieval.models import SearchHit

Emit = Callable[[AgentEvent], None]


class AgentService:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        deps: AgentDeps | None = None,
        checkpointer: Any = None,
        run: RunConfig | None = None,
    ) -> None:
        if settings is None:
            if deps is None:
                raise TypeError("AgentService needs settings or deps (built at the entry point)")
            settings = deps.settings
        self.settings = settings
        configure_local(self.settings)
        self.deps = deps or default_deps(self.settings, run=run)
        self.run = run or self.deps.config
        self._stack = ExitStack()
        if checkpointer is None:
            checkpointer = self._stack.enter_context(open_checkpointer(self.settings))
        self.checkpointer = checkpointer
        self.graph = build_graph(checkpointer=checkpointer, deps=self.deps)
        self._ticket_graph: Any = None

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> AgentService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- public API -------------------------------------------------------------------
    def ask(
        self,
        message: str,
        *,
        thread_id: str | None = None,
        tenant: str,
        collection: str | None = None,
        run: RunConfig | None = None,
    ) -> AgentResult:
        payload, config = self._start(message, thread_id, tenant, collection)
        return self._run(payload, config, None, run or self.run)

    async def astream(
        self,
        message: str,
        *,
        thread_id: str | None = None,
        tenant: str,
        collection: str | None = None,
        run: RunConfig | None = None,
    ) -> AsyncIterator[AgentEvent]:
        payload, config = self._start(message, thread_id, tenant, collection)
        async for event in self._bridge(payload, config, run or self.run):
            yield event

    def resume(
        self, thread_id: str, *, approved: bool, tenant: str, run: RunConfig | None = None
    ) -> AgentResult:
        config = self._config(thread_id)
        snapshot = self.graph.get_state(config)
        if not snapshot.values or snapshot.values.get("tenant") != tenant:
            raise NotFoundError(f"no thread {thread_id}")
        if not snapshot.interrupts:
            raise UserInputError(f"thread {thread_id} has no action waiting for approval")
        return self._run(Command(resume={"approved": approved}), config, None, run or self.run)

    def pending(self, thread_id: str, *, tenant: str) -> dict[str, Any] | None:
        snapshot = self.graph.get_state(self._config(thread_id))
        if not snapshot.values or snapshot.values.get("tenant") != tenant:
            raise NotFoundError(f"no thread {thread_id}")
        return snapshot.interrupts[0].value if snapshot.interrupts else None

    def history(self, thread_id: str, *, tenant: str) -> list[dict[str, Any]]:
        """Messages of a thread (redacted), with citations on assistant turns."""
        snapshot = self.graph.get_state(self._config(thread_id))
        if not snapshot.values or snapshot.values.get("tenant") != tenant:
            raise NotFoundError(f"no thread {thread_id}")
        return [
            {
                "id": m.id,
                "role": "user" if m.type == "human" else "assistant",
                "content": m.content,
                "citations": m.additional_kwargs.get("citations", []),
            }
            for m in snapshot.values.get("messages", [])
        ]

    def assist_ticket(
        self,
        subject: str,
        body: str,
        *,
        tenant: str,
        collection: str | None = None,
        ticket_id: str | None = None,
        run: RunConfig | None = None,
    ) -> TicketAssist:
        """Run the graph in ticket mode: guard → triage → retrieve → draft → ground → ticket.

        A ticket is one self-contained run, so it uses the same graph compiled without a
        checkpointer (no thread is stored; the ticket table keeps the result). The run's thread id
        is ``ticket:<tenant>:<ticket id or a fresh uuid>``, for logs and traces only.
        """
        text = f"{(subject or '').strip()}\n\n{(body or '').strip()}"
        if not text.strip():  # nothing to search or draft from: a person reads it
            return TicketAssist(
                triage=None, draft_reply="", escalated=True, needs_human=True, reasons=["empty_ticket"]
            )
        # redact here, before the graph: nothing downstream ever holds the raw ticket
        whole = redact(text).text
        red_subject, _, red_body = whole.partition("\n\n")
        payload = {
            "mode": "ticket",
            "subject": red_subject,
            "body": red_body,
            "tenant": tenant,
            "collection": collection or self.settings.collection,
        }
        thread = f"ticket:{tenant}:{ticket_id or uuid.uuid4().hex}"
        values = self.ticket_graph.invoke(payload, self._config(thread), context=run or self.run)
        decision = values.get("ticket") or {}
        return TicketAssist(
            triage=values.get("triage"),
            draft_reply=values.get("answer", ""),
            citations=[Citation(**c) for c in values.get("citations", [])],
            escalated=bool(decision.get("needs_human", True)),
            needs_human=bool(decision.get("needs_human", True)),
            reasons=list(decision.get("reasons", [])),
            prompt_version=",".join(values.get("prompt_refs", [])),
            answer_mode=values.get("answer_mode", ""),
            usage=Usage.model_validate(values.get("usage") or {}),
            evidence=float(values.get("evidence", 0.0)),
            coverage=float(values.get("coverage", 0.0)),
            answerable=decision.get("answerable"),
            retrieved=[SearchHit(**h) for h in values.get("retrieved", [])],
        )

    @property
    def ticket_graph(self) -> Any:
        """The same graph without a checkpointer, for one-shot ticket runs (built on first use)."""
        if self._ticket_graph is None:
            self._ticket_graph = build_graph(checkpointer=None, deps=self.deps)
        return self._ticket_graph

    # --- internals ----------------------------------------------------------------------
    @staticmethod
    def _config(thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}}

    def _start(
        self, message: str, thread_id: str | None, tenant: str, collection: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if not message or not message.strip():
            raise UserInputError("message is empty")
        if len(message) > self.settings.max_message_chars:
            raise UserInputError(f"message is longer than {self.settings.max_message_chars} characters")
        thread_id = thread_id or uuid.uuid4().hex
        config = self._config(thread_id)
        existing = self.graph.get_state(config).values
        if existing and existing.get("tenant") != tenant:
            raise NotFoundError(f"no thread {thread_id}")
        # redact here, before the graph: checkpoints then never hold the raw message
        redaction = redact(message.strip())
        # originals a tool needs (emails) ride in the run's config, which is never checkpointed
        # (only str/number config values reach checkpoint metadata); the state keeps placeholders
        config["configurable"]["pii_kept"] = dict(redaction.kept)
        payload = {
            "question": redaction.text,
            "entities": stored_entities(redaction),
            "pii": redaction.kinds,
            "tenant": tenant,
            "collection": collection or self.settings.collection,
        }
        return payload, config

    def _run(self, payload: Any, config: dict[str, Any], emit: Emit | None, run: RunConfig) -> AgentResult:
        thread_id = config["configurable"]["thread_id"]
        start = time.perf_counter()
        ttft: float | None = None
        route, meta_sent = "answer", False
        refs: list[str] = []

        def meta() -> None:
            nonlocal meta_sent
            if not meta_sent and emit is not None:
                emit(
                    AgentEvent(
                        event="meta",
                        data={"thread_id": thread_id, "route": route, "prompt_version": ",".join(refs)},
                    )
                )
            meta_sent = True

        answer_ref = f"answer@v{run.prompt_versions.get('answer', 1)}"  # the prompt the draft will use
        stream = self.graph.stream(payload, config, stream_mode=["custom", "updates"], context=run)
        for mode, chunk in stream:
            if mode == "updates":
                for update in (chunk or {}).values():
                    if isinstance(update, dict):
                        refs.extend(r for r in update.get("prompt_refs") or [] if r not in refs)
                continue
            kind = chunk.get("type")
            if kind == "route":
                route = chunk["route"]
                if route == "answer" and answer_ref not in refs:
                    refs.append(answer_ref)
            elif kind == "token":
                meta()
                ttft = ttft if ttft is not None else time.perf_counter() - start
                if emit:
                    emit(AgentEvent(event="token", data={"text": chunk["text"]}))
            elif kind == "citation" and emit:
                emit(AgentEvent(event="citation", data={k: v for k, v in chunk.items() if k != "type"}))
        snapshot = self.graph.get_state(config)
        result = self._result(snapshot, thread_id)
        if result.pending_action is not None and emit is not None:
            meta()
            emit(AgentEvent(event="token", data={"text": result.answer}))
        meta()
        result.latency_s = round(time.perf_counter() - start, 4)
        result.ttft_s = round(ttft, 4) if ttft is not None else result.latency_s
        if emit:
            emit(AgentEvent(event="done", data=result.done_payload()))
        return result

    @staticmethod
    def _result(snapshot: Any, thread_id: str) -> AgentResult:
        v = snapshot.values
        pending = snapshot.interrupts[0].value if snapshot.interrupts else None
        answer, mode = v.get("answer", ""), v.get("answer_mode", "")
        if pending is not None:
            answer = (
                f"A refund of {money(pending['amount'], pending['currency'])} for charge {pending['charge_id']} "
                "is ready and waits for approval by a human agent."
            )
            mode = "pending"
        return AgentResult(
            answer=answer,
            citations=[Citation(**c) for c in v.get("citations", [])],
            route=v.get("route", "answer"),
            escalated=bool(v.get("escalated")),
            thread_id=thread_id,
            triage=v.get("triage"),
            retrieved=[SearchHit(**h) for h in v.get("retrieved", [])],
            query=v.get("query") or "",
            pending_action=pending,
            usage=Usage.model_validate(v.get("usage") or {}),
            prompt_version=",".join(v.get("prompt_refs", [])),
            answer_mode=mode,
            evidence=float(v.get("evidence", 0.0)),
            coverage=float(v.get("coverage", 0.0)),
            route_reason=v.get("route_reason", ""),
            tool_calls=[ToolCallInfo.model_validate(c) for c in v.get("plan") or []],
        )

    async def _bridge(
        self, payload: Any, config: dict[str, Any], run: RunConfig
    ) -> AsyncIterator[AgentEvent]:
        def produce(emit: Callable[[AgentEvent], None]) -> None:
            self._run(payload, config, emit, run)

        async for event in iterate_in_thread(produce):
            yield event
