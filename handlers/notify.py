"""Alert channels: WeChat Work and DingTalk group robots, an HTTP SMS gateway, e-mail.

Each channel is a dramatiq actor (``notify.wecom`` …) fed by the outbox with one delivery
row id. The attempt is claimed and committed before the request leaves, so a worker that
is restarted mid-send never sends the same alert twice (``processes/deliveries.py``).
Every request carries the delivery's ``Idempotency-Key`` (e-mail: its Message-ID), the same
on every attempt, so a receiver that honours it recognises a resend; for such receivers
(``PERMITFLOW_NOTIFY_IDEMPOTENT=sms,wecom``) an attempt cut off mid-send is sent again
instead of being left to an admin. Once the receiver has answered, the answer is recorded
even if the database connection drops meanwhile: the recording is retried on a fresh
connection rather than lost with the job.
Endpoints come from the environment (:func:`config_from_env`); which roles get which
channels at which severity is a setting (``supervision.json`` → ``alerts.routes``).

Only the standard library talks to the outside (urllib, smtplib): no extra dependency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from engine import clock
from processes import deliveries
from processes.models import Notification, NotificationDelivery

log = logging.getLogger(__name__)

#: waits between attempts to record a receiver's answer (about 30 s in all: longer than a
#: PostgreSQL fail-over or restart, shorter than the outbox's acknowledgement timeout)
RECORD_RETRY_SECONDS = (0.2, 0.5, 1, 2, 4, 8, 15)


class DeliveryError(Exception):
    """The channel refused or could not be reached; retried with back-off."""


def config_from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Channel endpoints: PERMITFLOW_NOTIFY_CONFIG (a JSON file) and/or single variables."""
    env = dict(os.environ if environ is None else environ)
    conf: dict[str, Any] = {"timeout": float(env.get("PERMITFLOW_NOTIFY_TIMEOUT", "10")),
                            "base_url": env.get("PERMITFLOW_BASE_URL", "")}
    if env.get("PERMITFLOW_NOTIFY_CONFIG"):
        with open(env["PERMITFLOW_NOTIFY_CONFIG"], encoding="utf-8") as fh:
            conf.update(json.load(fh))
    if env.get("PERMITFLOW_WECOM_WEBHOOK"):
        conf.setdefault("wecom", {})["webhook"] = env["PERMITFLOW_WECOM_WEBHOOK"]
    if env.get("PERMITFLOW_DINGTALK_WEBHOOK"):
        conf.setdefault("dingtalk", {}).update(webhook=env["PERMITFLOW_DINGTALK_WEBHOOK"],
                                               secret=env.get("PERMITFLOW_DINGTALK_SECRET", ""))
    if env.get("PERMITFLOW_SMS_URL"):
        conf.setdefault("sms", {}).update(
            url=env["PERMITFLOW_SMS_URL"],
            template=env.get("PERMITFLOW_SMS_TEMPLATE", '{"to": "{phone}", "text": "{text}"}'),
            headers=json.loads(env.get("PERMITFLOW_SMS_HEADERS", "{}")))
    if env.get("PERMITFLOW_SMTP_HOST"):
        conf.setdefault("email", {}).update(
            host=env["PERMITFLOW_SMTP_HOST"], port=int(env.get("PERMITFLOW_SMTP_PORT", "25")),
            username=env.get("PERMITFLOW_SMTP_USER"),
            password=env.get("PERMITFLOW_SMTP_PASSWORD"),
            starttls=env.get("PERMITFLOW_SMTP_STARTTLS") == "1",
            sender=env.get("PERMITFLOW_SMTP_FROM", "permitflow@localhost"),
            to={"*": [a.strip() for a in env.get("PERMITFLOW_SMTP_TO", "").split(",")
                      if a.strip()]})
    if env.get("PERMITFLOW_NOTIFY_STALE_SECONDS"):
        conf["stale_sending_seconds"] = float(env["PERMITFLOW_NOTIFY_STALE_SECONDS"])
    if env.get("PERMITFLOW_NOTIFY_IDEMPOTENT"):
        conf["idempotent"] = [c.strip() for c in env["PERMITFLOW_NOTIFY_IDEMPOTENT"].split(",")
                              if c.strip()]
    return conf


# -- transports --------------------------------------------------------------------------
def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> str:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(4096).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}: {exc.read(300).decode(errors='replace')}"
                            ) from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"unreachable: {exc}") from None


def _robot(url: str, text: str, timeout: float, key: str) -> str:
    """Both robots take ``{"msgtype": "text", …}`` and answer ``{"errcode": 0}`` on success."""
    answer = _post(url, json.dumps({"msgtype": "text", "text": {"content": text}},
                                   ensure_ascii=False).encode(),
                   {"Content-Type": "application/json; charset=utf-8",
                    "Idempotency-Key": key}, timeout)
    try:
        code = json.loads(answer).get("errcode")
    except (ValueError, AttributeError):
        raise DeliveryError(f"not a robot answer: {answer[:200]}") from None
    if code != 0:
        raise DeliveryError(f"robot refused: {answer[:300]}")
    return answer


def _hook(section: dict[str, Any], target: str) -> str:
    role = target.split(":", 1)[1]
    url = (section.get("webhooks") or {}).get(role) or section.get("webhook")
    if not url:
        raise DeliveryError(f"no webhook configured for {target}")
    return url


def send_wecom(conf: dict[str, Any], target: str, text: str, key: str) -> str:
    return _robot(_hook(conf.get("wecom") or {}, target), text, conf.get("timeout", 10), key)


def dingtalk_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    """The webhook with DingTalk's signature: base64(HMAC-SHA256(secret, "ts\\nsecret"))."""
    if not secret:
        return webhook
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in webhook else "?"
    return f"{webhook}{joiner}timestamp={timestamp_ms}&sign={sign}"


def send_dingtalk(conf: dict[str, Any], target: str, text: str, key: str) -> str:
    section = conf.get("dingtalk") or {}
    url = dingtalk_url(_hook(section, target), section.get("secret") or "",
                       round(clock.now().timestamp() * 1000))
    return _robot(url, text, conf.get("timeout", 10), key)


def send_sms(conf: dict[str, Any], target: str, text: str, key: str) -> str:
    """Provider-neutral: the configured body template gets ``{phone}`` and ``{text}``."""
    section = conf.get("sms") or {}
    template = section.get("template") or '{"to": "{phone}", "text": "{text}"}'
    escape = (lambda v: json.dumps(v, ensure_ascii=False)[1:-1])  # noqa: E731
    body = template.replace("{phone}", escape(target)).replace("{text}", escape(text))
    headers = {"Content-Type": section.get("content_type", "application/json; charset=utf-8"),
               "Idempotency-Key": key, **(section.get("headers") or {})}
    answer = _post(section["url"], body.encode(), headers, conf.get("timeout", 10))
    if section.get("success_contains") and section["success_contains"] not in answer:
        raise DeliveryError(f"gateway refused: {answer[:300]}")
    return answer


def send_email(conf: dict[str, Any], target: str, text: str, key: str) -> str:
    section = conf.get("email") or {}
    message = EmailMessage()
    message["Message-ID"] = f"<{key.replace(':', '.')}@permitflow>"
    message["From"] = section.get("sender", "permitflow@localhost")
    message["To"] = target
    message["Subject"] = text.splitlines()[0][:150]
    message.set_content(text)
    try:
        with smtplib.SMTP(section["host"], int(section.get("port", 25)),
                          timeout=conf.get("timeout", 10)) as smtp:
            if section.get("starttls"):
                smtp.starttls()
            if section.get("username"):
                smtp.login(section["username"], section.get("password") or "")
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {exc}") from None
    if refused:
        raise DeliveryError(f"SMTP refused {refused}")
    return "250 queued"


SENDERS = {"wecom": send_wecom, "dingtalk": send_dingtalk, "sms": send_sms,
           "email": send_email}


def render(note: Notification, conf: dict[str, Any]) -> str:
    """Plain text every channel can show: title, body, links for the permit and a memo."""
    lines = [f"【{note.title}】"]
    if note.body:
        lines.append(note.body)
    base = (conf.get("base_url") or "").rstrip("/")
    if note.permit_id and base:
        lines.append(f"{base}/api/v1/permits/{note.permit_id}")
    memo = (note.data or {}).get("voice_memo")
    if memo:
        lines.append(f"语音备忘 / voice memo: {base}/api/v1/uploads/{memo}")
    return "\n".join(lines)


# -- jobs --------------------------------------------------------------------------------
def _conf() -> dict[str, Any]:
    return current_app.config.get("NOTIFY") or {}


def deliver(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """One attempt of one delivery. Commits the claim first, then sends, then records."""
    row = deliveries.begin_send(session, payload["delivery_id"], message_id, clock.now())
    if row is None:
        session.rollback()
        return
    session.commit()  # durable "sending" + receipt: a restart will not send it again
    delivery_id = row.id
    note = session.get(Notification, row.notification_id)
    conf = _conf()
    try:
        if note is None:
            raise DeliveryError("the notification is gone")
        answer = SENDERS[row.channel](conf, row.target, render(note, conf),
                                      deliveries.idempotency_key(row))
    except DeliveryError as exc:
        record_outcome(session, delivery_id, error=str(exc))
    else:
        record_outcome(session, delivery_id, response=answer)


def record_outcome(session: Session, delivery_id: int, *, error: str | None = None,
                   response: str | None = None) -> None:
    """Commit what the receiver answered, on a fresh connection if the first one dropped.

    The request has left: losing its answer would leave the row ``sending`` and, for a
    receiver that honours the key, cost a resend; for others, an admin's decision.
    """
    for wait in (*RECORD_RETRY_SECONDS, None):
        try:
            deliveries.record_outcome(session, delivery_id, clock.now(), error=error,
                                      response=response)
            session.commit()
            return
        except DBAPIError as exc:
            session.rollback()
            if wait is None:
                raise
            log.warning("recording delivery %s failed (%s); retrying in %ss", delivery_id,
                        exc.__class__.__name__, wait)
            time.sleep(wait)


def fan_out(session: Session, note: Notification) -> list[NotificationDelivery]:
    return deliveries.fan_out(session, note, _conf(), clock.now())


def sweep(session: Session) -> dict[str, int]:
    conf = _conf()
    return deliveries.sweep(session, clock.now(), resend=conf.get("idempotent") or (),
                            stale_seconds=conf.get("stale_sending_seconds"))


JOBS = {deliveries.job_name(channel): deliver for channel in deliveries.CHANNELS}
