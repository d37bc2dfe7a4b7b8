"""HTTP security headers on every answer (pages, API JSON, static files), via Flask-Talisman.

Why each Content-Security-Policy directive is there:

- ``default-src 'self'``: anything not named below (fonts, manifests …) comes from the plant
  server only; the plant runs offline, so no other origin is ever needed.
- ``script-src 'self'``: no inline script, no ``on*=`` attribute, no ``eval``. A name, an area
  or a comment that slips through escaping cannot run: the browser runs only our own files
  from ``/static``. The page data reaches those files as ``<script type="application/json">``
  blocks or ``data-*`` attributes, which are not executed.
- ``style-src 'self' 'unsafe-inline'``: Leaflet, bpmn-js, dmn-js and the properties panel write
  ``style=`` attributes and ``<style>`` elements of their own, and the templates colour the
  heatmap cells with ``style=``. Style cannot run script; the risk accepted is CSS-only
  page defacement by injected markup, which escaping already prevents.
- ``img-src 'self' data: blob:``: the QR code arrives as a ``data:`` SVG, the instrument
  photo preview is a ``blob:`` URL, bpmn-js/Leaflet use small ``data:`` images.
- ``font-src 'self' data:``: the bpmn/dmn icon fonts (some builds inline them).
- ``media-src 'self' blob: mediastream:``: the watcher's sign-in shows the camera stream and
  may replay the recorded clip.
- ``connect-src 'self'``: page scripts talk to API v1 on this server only, so injected markup
  cannot send data elsewhere.
- ``object-src 'none'``: no plugins.
- ``base-uri 'self'``: an injected ``<base>`` cannot redirect the pages' relative URLs.
- ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY`` for old browsers): an approval
  page inside a foreign frame could be clickjacked into approving hot work.
- ``form-action 'self'``: an injected form cannot post an approver's input elsewhere.

Referrer-Policy is ``same-origin`` by default, and ``no-referrer`` on the pages whose URL is
a credential (the contractor access code and its photo, the watcher's QR card and sign-in
page that carry the QR token, the contractor portal showing a freshly issued code, and the
API answers carrying codes and QR tokens): a link followed from there must not hand the
code to another server.

HSTS is sent only when the plant is served over HTTPS (``PERMITFLOW_BASE_URL`` starts with
``https://``, or ``PERMITFLOW_HTTPS=1``): a plant on plain HTTP on its own network would
lock its users out otherwise. Nothing here redirects HTTP to HTTPS; the reverse proxy does
that where TLS exists.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, request
from flask_talisman import Talisman

from .config import flag

CONTENT_SECURITY_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "media-src": "'self' blob: mediastream:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}

#: the sign-in page needs the camera and the position; nothing else asks for devices
PERMISSIONS_POLICY: dict[str, str] = {
    "camera": "(self)",
    "geolocation": "(self)",
    "microphone": "()",
    "browsing-topics": "()",
}

DEFAULT_REFERRER_POLICY = "same-origin"

#: blueprints whose every page carries a credential in its URL
NO_REFERRER_BLUEPRINTS = frozenset({"access", "supervision"})
#: single endpoints elsewhere that show or answer with an access code or a QR token
NO_REFERRER_ENDPOINTS = frozenset({
    "api.qr_code",
    "api.issue_access_code",
    "api.list_access_codes",
    "api.revoke_access_code",
    "pages.contractor_portal",
})

HSTS_MAX_AGE = 365 * 24 * 3600


def referrer_policy_for(endpoint: str | None, blueprint: str | None) -> str:
    """``no-referrer`` where the URL or the answer is a credential, else ``same-origin``."""
    if blueprint in NO_REFERRER_BLUEPRINTS or endpoint in NO_REFERRER_ENDPOINTS:
        return "no-referrer"
    return DEFAULT_REFERRER_POLICY


def serves_https(config: dict[str, Any]) -> bool:
    """Whether the plant is reached over HTTPS: a setting, else the base URL's scheme."""
    setting = config.get("HTTPS")
    if setting is not None:
        return bool(setting)
    base_url = config.get("BASE_URL") or (config.get("NOTIFY") or {}).get("base_url") or ""
    return str(base_url).lower().startswith("https://")


class PlantTalisman(Talisman):
    """Talisman with a Referrer-Policy per page and HSTS by the plant's setting.

    Talisman sets one Referrer-Policy for the whole app and sends HSTS only on requests it
    sees as secure; behind a TLS-terminating proxy that forgets ``X-Forwarded-Proto`` the
    plant would get none. Browsers ignore HSTS received over plain HTTP, so sending it on
    every answer of an HTTPS plant is safe.
    """

    def _set_referrer_policy_headers(self, headers: Any) -> None:
        headers["Referrer-Policy"] = referrer_policy_for(request.endpoint, request.blueprint)

    def _set_hsts_headers(self, headers: Any) -> None:
        if self.strict_transport_security:
            headers["Strict-Transport-Security"] = (
                f"max-age={self.strict_transport_security_max_age}; includeSubDomains")


def config_from_env() -> dict[str, Any]:
    """``BASE_URL`` and ``HTTPS`` from the environment (tests pass them in the config)."""
    https = os.environ.get("PERMITFLOW_HTTPS")
    return {"BASE_URL": os.environ.get("PERMITFLOW_BASE_URL", ""),
            "HTTPS": None if https in (None, "") else https.lower() in ("1", "true", "yes")}


def init_app(app: Flask) -> None:
    """One Talisman per app: it keeps its options on itself, and tests build several apps."""
    https = serves_https(app.config)
    # Secure cookies where TLS is, unless PERMITFLOW_SECURE_COOKIES says otherwise
    chosen = flag(os.environ.get("PERMITFLOW_SECURE_COOKIES"))
    secure = https if chosen is None else chosen
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.extensions["talisman"] = PlantTalisman(
        app,
        force_https=False,  # no redirect in dev and tests; the proxy does it where TLS is
        strict_transport_security=https,
        strict_transport_security_max_age=HSTS_MAX_AGE,
        content_security_policy=CONTENT_SECURITY_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        frame_options="DENY",
        referrer_policy=DEFAULT_REFERRER_POLICY,
        # a Secure cookie is never sent over plain HTTP: only where the plant has TLS
        session_cookie_secure=secure,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE") or "Lax",
    )
