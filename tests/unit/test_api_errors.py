"""Auth, bad input and limits: always a 4xx with ``{error: {code, message}}``, never a 500."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

from typing import Any

import pytest

from tests.fixtures.api.support import Q_REFUND, agent_kb, agent_settings, make_api  # noqa: F401


def _error(r: Any, status: int) -> dict[str, str]:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"code", "message"} and err["message"]
    return err  # type: ignore[no-any-return]


def test_missing_and_invalid_keys_are_401(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    assert _error(api.client.get("/v1/threads"), 401)["code"] == "unauthorized"
    bad = {"Authorization": "Bearer dp_not_a_key"}
    assert _error(api.client.get("/v1/threads", headers=bad), 401)["message"] == "invalid API key"
    assert _error(api.client.get("/v1/tickets/x", headers={"Authorization": "Basic abc"}), 401)


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b'{"message": ', 400, "malformed_json"),
        (b'{"message": 5}', 422, "validation_error"),
        (b'{"message": "hi", "stream": "maybe"}', 422, "validation_error"),
        (b'{"message": "hi", "thread_id": "../etc"}', 422, "validation_error"),
        (b'{"message": "hi", "surprise": 1}', 422, "validation_error"),
        (b"[]", 422, "validation_error"),
        (b'{"message": "   "}', 400, "bad_request"),
    ],
)
def test_bad_chat_bodies_are_4xx_json(make_api: Any, raw: bytes, status: int, code: str) -> None:
    api = make_api(run_worker_in_process=False)
    headers = {**api.auth(), "Content-Type": "application/json"}
    assert _error(api.client.post("/v1/chat", content=raw, headers=headers), status)["code"] == code


def test_message_and_body_size_limits(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False, max_message_chars=50)
    r = api.client.post("/v1/chat", json={"message": "x" * 51, "stream": False}, headers=api.auth())
    assert _error(r, 400)["code"] == "message_too_long"
    r = api.client.post("/v1/chat", json={"message": "x" * 9000}, headers=api.auth())
    assert _error(r, 413)["code"] == "payload_too_large"


def test_unknown_routes_methods_and_feedback_ids(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    assert _error(api.client.get("/v1/nope", headers=api.auth()), 404)["code"] == "not_found"
    assert _error(api.client.delete("/v1/chat", headers=api.auth()), 405)["code"] == "method_not_allowed"
    fb = {"thread_id": "t", "message_id": "m", "rating": "meh"}
    assert _error(api.client.post("/v1/feedback", json=fb, headers=api.auth()), 422)
    fb["rating"] = "up"
    assert _error(api.client.post("/v1/feedback", json=fb, headers=api.auth()), 404)
    r = api.client.post("/v1/threads/none/approval", json={"approved": True}, headers=api.auth())
    assert _error(r, 404)["code"] == "not_found"


def test_rate_limit_per_key_is_429_with_retry_after(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False, rate_limit_per_minute=3)
    codes = [api.client.get("/v1/threads", headers=api.auth()).status_code for _ in range(4)]
    assert codes[:3] == [200, 200, 200]
    r = api.client.get("/v1/threads", headers=api.auth())
    assert _error(r, 429)["code"] == "rate_limited" and int(r.headers["Retry-After"]) >= 1
    assert api.client.get("/v1/threads", headers=api.auth("globex")).status_code == 200


def test_approval_without_pending_action_is_409(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    done = api.client.post("/v1/chat", json={"message": Q_REFUND, "stream": False}, headers=api.auth()).json()
    r = api.client.post(
        f"/v1/threads/{done['thread_id']}/approval", json={"approved": True}, headers=api.auth()
    )
    assert _error(r, 409)["code"] == "conflict"
