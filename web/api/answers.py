"""Answers to writes: built before the commit, and kept under an Idempotency-Key.

A write's answer is built and serialised *before* its transaction commits. Once the step
has committed nothing may turn it into an error: building the answer afterwards reads the
rows again, from a database that may just have dropped the connection, and a 500 would
tell the client that work which was done was not. A bug in building the full answer is
logged and the minimal answer (what was written, by id) is sent instead of undoing it.

On apply and complete a client may send ``Idempotency-Key`` (design §4): the key is
claimed in the step's own transaction, the answer stored with it, and a retry with the
same key and the same request gets that first answer back (``Idempotent-Replayed:
true``) instead of a second permit or a 409. The same key on a different request is a
client error (422). Keys are per person and expire after ``IDEMPOTENCY_HOURS``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from engine import clock, conflicts, db, idempotency
from processes.errors import Conflict, ValidationFailed

from ..auth import current_person

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_MAX = 255

KEY_INVALID = (f"幂等键须为 1–{KEY_MAX} 个可打印字符 / {HEADER} must be 1–{KEY_MAX} printable "
               "characters")
KEY_REUSED = (f"此幂等键已用于另一个请求（内容或地址不同）；每个新请求请使用新的键 / this {HEADER} "
              "was already used for a different request; send a new key with each new request")
KEY_BUSY = (f"使用此幂等键的第一个请求尚未完成，请稍后重试 / the first request with this {HEADER} "
            "has not finished yet; retry in a moment")


def _ttl() -> timedelta:
    return timedelta(hours=float(current_app.config.get("IDEMPOTENCY_HOURS") or 24))


def _fingerprint() -> str:
    """The request as the key promises it: method, path, query and the body's JSON (key
    order and spacing do not count)."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode() if raw else b""
    except ValueError:
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(),
                 request.query_string, body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _replay(stored: idempotency.IdempotencyKey, what: str, fingerprint: str) -> Response:
    if stored.request != what or stored.request_hash != fingerprint:
        raise ValidationFailed({HEADER: [KEY_REUSED]}, code="idempotency_key_reused")
    if not stored.status or stored.body is None:  # cannot be seen committed; be safe
        raise Conflict(KEY_BUSY)
    response = current_app.response_class(stored.body, status=stored.status,
                                          mimetype="application/json")
    response.headers[REPLAYED] = "true"
    return response


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Honour ``Idempotency-Key`` on a write whose view answers with :func:`respond`.

    Goes inside ``api_login_required``: the key belongs to the caller.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > KEY_MAX or not key.isprintable():
            raise ValidationFailed({HEADER: [KEY_INVALID]}, code="idempotency_key_invalid")
        person = current_person()
        assert person is not None
        owner, what, fingerprint = f"person:{person.id}", f"{request.method} {request.path}", \
            _fingerprint()
        now = clock.now()
        since = now - _ttl()
        stored = idempotency.find(db.session, owner, key, since=since)
        if stored is None:
            try:
                g.idempotency = idempotency.claim(db.session, owner, key, request=what,
                                                  request_hash=fingerprint, now=now,
                                                  since=since)
            except IntegrityError:  # a first attempt with this key just committed
                db.session.rollback()
                stored = idempotency.find(db.session, owner, key, since=since)
                if stored is None:
                    raise Conflict(KEY_BUSY) from None
        if stored is not None:
            return _replay(stored, what, fingerprint)
        return view(*args, **kwargs)

    return wrapper


def respond(build: Callable[[], Any], *, status: int = 200,
            minimal: Callable[[], Any] | None = None) -> Response:
    """Build the answer, keep it under the request's key, commit — then nothing can fail.

    ``build`` reads what the step wrote (same transaction); if it breaks for any reason
    other than the database, ``minimal`` answers instead (and the step still commits).
    A conflict at the commit is a 409 (nothing was saved).
    """
    try:
        body = build()
    except SQLAlchemyError:
        raise  # the transaction itself is broken: nothing commits, the error says so
    except Exception:
        if minimal is None:
            raise
        current_app.logger.exception("building the answer to %s %s failed; answering "
                                     "the minimal one", request.method, request.path)
        body = minimal()
    response = current_app.json.response(body)
    response.status_code = status
    claimed = g.pop("idempotency", None)
    if claimed is not None:
        claimed.status, claimed.body = status, response.get_data(as_text=True)
    conflicts.commit(db.session)
    return response
