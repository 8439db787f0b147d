"""``deskpilot keys``: keys printed once and stored hashed; bad tenant names exit 2."""

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from api.auth import hash_key, tenant_for_key
from cli.main import main
from deskpilot.db import get_engine


def run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_keys_create_json_prints_once_and_stores_only_the_hash(capsys: Any, tmp_path: Path) -> None:
    assert run(["keys", "create", "--tenant", "acme", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert set(first) == {"tenant", "api_key", "webhook_secret"} and first["tenant"] == "acme"
    assert run(["keys", "create", "--tenant", "acme", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["api_key"] != first["api_key"]
    assert second["webhook_secret"] == first["webhook_secret"]  # the tenant's secret, not a new one
    assert tenant_for_key(get_engine(), first["api_key"]) == "acme"
    con = sqlite3.connect(tmp_path / "data" / "deskpilot.db")
    stored = [r[0] for r in con.execute("select key_hash from api_keys")]
    dump = "\n".join(con.iterdump())
    con.close()
    assert hash_key(first["api_key"]) in stored and first["api_key"] not in dump


def test_keys_create_demo_prints_the_widget_url(capsys: Any) -> None:
    assert run(["keys", "create", "--tenant", "default", "--demo"]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/widget#key=dp_" in out


def test_rotate_secret_keeps_the_old_one_active(capsys: Any) -> None:
    from api.auth import active_secrets

    run(["keys", "create", "--tenant", "acme", "--json"])
    old = json.loads(capsys.readouterr().out)["webhook_secret"]
    assert run(["keys", "rotate-secret", "--tenant", "acme"]) == 0
    new = capsys.readouterr().out.strip()
    assert active_secrets(get_engine(), "acme") == [new, old]


@pytest.mark.parametrize("tenant", ["", "bad name", "../x"])
def test_invalid_tenant_exits_2(capsys: Any, tenant: str) -> None:
    assert run(["keys", "create", "--tenant", tenant]) == 2
    assert "tenant" in capsys.readouterr().err
