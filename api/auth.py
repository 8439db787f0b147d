"""Tenants, API keys (stored as sha256 of a high-entropy random key) and webhook secrets."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time

from pydantic import BaseModel
from sqlalchemy import Engine, select

from api.tables import ApiKey, Tenant, WebhookSecret
from deskpilot.db import session_scope
from deskpilot.exceptions import UserInputError

KEY_PREFIX = "dp_"
TENANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SECRET_CACHE_TTL_S = 5.0
_secret_cache: dict[tuple[str, str], tuple[float, list[str]]] = {}
_cache_lock = threading.Lock()


class CreatedKey(BaseModel):
    tenant: str
    api_key: str
    webhook_secret: str


def hash_key(api_key: str) -> str:
    """Plain sha256: the keys carry 256 bits of randomness, so no pepper or KDF is needed."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def ensure_tenant(engine: Engine, tenant: str) -> str:
    """Create the tenant (with a first webhook secret) if missing; return its newest active secret."""
    if not TENANT_NAME.match(tenant):
        raise UserInputError(f"invalid tenant name {tenant!r}: use letters, digits, '_', '-', '.'")
    with session_scope(engine) as s:
        if s.get(Tenant, tenant) is None:
            s.add(Tenant(id=tenant))
            s.flush()
            s.add(WebhookSecret(tenant=tenant, secret=new_secret()))
    _forget(engine, tenant)
    return active_secrets(engine, tenant)[0]


def create_key(engine: Engine, tenant: str) -> CreatedKey:
    secret = ensure_tenant(engine, tenant)
    api_key = KEY_PREFIX + secrets.token_urlsafe(32)
    with session_scope(engine) as s:
        s.add(ApiKey(key_hash=hash_key(api_key), tenant=tenant, prefix=api_key[:10]))
    return CreatedKey(tenant=tenant, api_key=api_key, webhook_secret=secret)


def tenant_for_key(engine: Engine, api_key: str) -> str | None:
    with session_scope(engine) as s:
        row = s.get(ApiKey, hash_key(api_key))
        return row.tenant if row is not None and row.active else None


def active_secrets(engine: Engine, tenant: str) -> list[str]:
    """Newest first; empty when the tenant does not exist."""
    with session_scope(engine) as s:
        rows = s.scalars(
            select(WebhookSecret.secret)
            .where(WebhookSecret.tenant == tenant, WebhookSecret.active.is_(True))
            .order_by(WebhookSecret.id.desc())
        )
        return list(rows)


def cached_secrets(engine: Engine, tenant: str) -> list[str]:
    """``active_secrets`` cached for a few seconds (the webhook hot path): a rotation made by
    another process (``deskpilot keys rotate-secret``) applies within ``SECRET_CACHE_TTL_S``."""
    key = (str(engine.url), tenant)
    now = time.monotonic()
    hit = _secret_cache.get(key)
    if hit is not None and now - hit[0] < SECRET_CACHE_TTL_S:
        return hit[1]
    found = active_secrets(engine, tenant)
    with _cache_lock:
        _secret_cache[key] = (now, found)
    return found


def _forget(engine: Engine, tenant: str) -> None:
    with _cache_lock:
        _secret_cache.pop((str(engine.url), tenant), None)


def rotate_secret(engine: Engine, tenant: str, *, retire_old: bool = False) -> str:
    """Add a new active secret; old ones stay valid unless ``retire_old``."""
    ensure_tenant(engine, tenant)
    secret = new_secret()
    with session_scope(engine) as s:
        if retire_old:
            for row in s.scalars(select(WebhookSecret).where(WebhookSecret.tenant == tenant)):
                row.active = False
        s.add(WebhookSecret(tenant=tenant, secret=secret))
    _forget(engine, tenant)
    return secret


def set_callback(engine: Engine, tenant: str, url: str | None, secret: str | None = None) -> str | None:
    """Set (or clear) the tenant's completion callback; returns the callback signing secret."""
    ensure_tenant(engine, tenant)
    with session_scope(engine) as s:
        row = s.get(Tenant, tenant)
        assert row is not None
        row.callback_url = url
        row.callback_secret = (secret or new_secret()) if url else None
        return row.callback_secret
