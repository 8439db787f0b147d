"""Random JSON bodies against every POST endpoint: never a 5xx, always the error shape."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.api.support import TENANT, agent_kb, agent_settings, make_api  # noqa: F401
from tickets.signing import HEADER, sign

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
values = st.recursive(
    scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=8,
)
keys = st.sampled_from(
    ["message", "thread_id", "stream", "rating", "message_id", "approved", "id", "ticket", "x"]
)
bodies = st.dictionaries(keys, values, max_size=4) | values


def _check(r: Any) -> None:
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        err = r.json()["error"]
        assert isinstance(err["code"], str) and isinstance(err["message"], str)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, path=st.sampled_from(["/v1/chat", "/v1/feedback", "/v1/threads/t1/approval", "webhook"]))
def test_random_bodies_never_cause_a_server_error(make_api: Any, body: Any, path: str) -> None:
    api = _API.get("api") or _API.setdefault("api", make_api(run_worker_in_process=False))
    raw = json.dumps(body).encode()
    if path == "webhook":
        r = api.client.post(
            f"/v1/webhooks/{TENANT}/tickets", content=raw, headers={HEADER: sign([api.secret()], raw)}
        )
    else:
        if isinstance(body, dict) and "message" in body:
            body["stream"] = False  # a valid chat would stream; keep the response a single JSON
            raw = json.dumps(body).encode()
        r = api.client.post(path, content=raw, headers={**api.auth(), "Content-Type": "application/json"})
    _check(r)


_API: dict[str, Any] = {}


def teardown_module() -> None:
    _API.clear()
