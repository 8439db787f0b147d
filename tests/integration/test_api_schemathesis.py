"""Schemathesis against the app's own /openapi.json with valid auth: no 5xx, and every
response matches the documented status codes, content types and schemas."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.fixtures.api.support import agent_kb, agent_settings, make_api  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_every_operation_conforms_to_its_schema(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    checked: list[str] = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case: Any) -> None:
            if isinstance(case.body, dict) and "message" in case.body:
                case.body["stream"] = False  # the SSE stream has its own tests
            response = case.call_and_validate(headers=api.auth(), timeout=120)
            assert response.status_code < 500

        conforms()
        checked.append(operation.label)
    assert any(label.startswith("POST /v1/chat") for label in checked)
