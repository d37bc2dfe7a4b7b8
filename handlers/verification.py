"""Authenticity check adapter: the national safety-exam certificate lookup over HTTP.

The plant must apply for access to the national interface, so the protocol is an
adapter contract, configured by settings (``PERMITFLOW_CERT_LOOKUP_URL``, ``…_USER`` /
``…_PASSWORD`` or ``…_TOKEN``, ``…_TIMEOUT`` seconds, ``…_CACHE_HOURS``):

    GET <url>?certificate_no=<number>&name=<holder>&category=<type code>
    200 {"found": true, "name": "…", "valid_until": "YYYY-MM-DD", "status": "valid"}
    200 {"found": false} or 404 → not found

Answers are cached (in process, and on the certificate row for ``CACHE_HOURS``); a timeout,
a connection error or a 5xx is *not* an answer: the certificate stays "unverified", the
note says the lookup was unreachable, and the next attempt asks again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests

from processes.authenticity import LookupResult


@dataclass(frozen=True)
class LookupConfig:
    url: str
    username: str | None = None
    password: str | None = None
    token: str | None = None
    timeout: float = 5.0
    cache_seconds: float = 24 * 3600

    @classmethod
    def from_config(cls, config: Any) -> LookupConfig | None:
        url = config.get("CERT_LOOKUP_URL")
        if not url:
            return None
        return cls(url=url, username=config.get("CERT_LOOKUP_USER"),
                   password=config.get("CERT_LOOKUP_PASSWORD"),
                   token=config.get("CERT_LOOKUP_TOKEN"),
                   timeout=float(config.get("CERT_LOOKUP_TIMEOUT") or 5),
                   cache_seconds=float(config.get("CERT_LOOKUP_CACHE_HOURS") or 24) * 3600)


class CertificateLookup:
    """One client per configuration; thread-safe, with a small time-to-live cache."""

    def __init__(self, config: LookupConfig):
        self.config = config
        self.http = requests.Session()
        if config.username:
            self.http.auth = (config.username, config.password or "")
        if config.token:
            self.http.headers["Authorization"] = f"Bearer {config.token}"
        self._cache: dict[tuple[str, str, str], tuple[float, LookupResult]] = {}
        self._lock = threading.Lock()

    def lookup(self, *, number: str, name: str, type_code: str,
               expires_on: date | None = None) -> LookupResult:
        key = (type_code, number, name)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
        result = self._ask(number=number, name=name, type_code=type_code,
                           expires_on=expires_on)
        if result.status != "unverified":
            with self._lock:
                self._cache[key] = (time.monotonic() + self.config.cache_seconds, result)
        return result

    def _ask(self, *, number: str, name: str, type_code: str,
             expires_on: date | None) -> LookupResult:
        try:
            response = self.http.get(self.config.url, timeout=self.config.timeout, params={
                "certificate_no": number, "name": name, "category": type_code})
        except requests.RequestException as exc:
            return LookupResult("unverified", f"全国查询接口不可达 / national lookup "
                                              f"unreachable ({type(exc).__name__})")
        if response.status_code == 404:
            return LookupResult("not_found", "全国查询未找到该证书 / not found in the national "
                                             "register")
        if response.status_code != 200:
            return LookupResult("unverified", f"全国查询接口异常 / national lookup answered "
                                              f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            return LookupResult("unverified", "全国查询接口返回无法解析 / unreadable answer")
        return judge(data, name=name, expires_on=expires_on)


def judge(data: dict[str, Any], *, name: str, expires_on: date | None) -> LookupResult:
    """Compare the register's answer with our ledger."""
    if not data.get("found"):
        return LookupResult("not_found", "全国查询未找到该证书 / not found in the national "
                                         "register")
    problems = []
    if data.get("name") and data["name"] != name:
        problems.append(f"持证人姓名不符（登记为{data['name']}）/ holder name differs")
    if data.get("status") not in (None, "valid"):
        problems.append(f"登记状态：{data['status']} / register status {data['status']}")
    valid_until = data.get("valid_until")
    if valid_until and expires_on is not None and valid_until != expires_on.isoformat():
        problems.append(f"有效期不符（登记至{valid_until}）/ validity differs: {valid_until}")
    if problems:
        return LookupResult("mismatch", "; ".join(problems)[:255])
    return LookupResult("verified", "全国查询一致 / matches the national register")


_clients: dict[LookupConfig, CertificateLookup] = {}
_clients_lock = threading.Lock()


def client_for(config: Any) -> CertificateLookup | None:
    """The shared client for the app's settings; None when no lookup is configured."""
    settings = LookupConfig.from_config(config)
    if settings is None:
        return None
    with _clients_lock:
        if settings not in _clients:
            _clients[settings] = CertificateLookup(settings)
        return _clients[settings]
