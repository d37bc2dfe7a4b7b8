"""The eight GB 30871 permit types and the certificate catalogue, read from data files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class PermitType:
    key: str
    prefix: str
    name_zh: str
    name_en: str
    form: str
    bpmn: str


@cache
def permit_types() -> dict[str, PermitType]:
    raw = json.loads((DATA / "permit_types.json").read_text(encoding="utf-8"))
    return {t["key"]: PermitType(**t) for t in raw["types"]}


def permit_type(key: str) -> PermitType | None:
    return permit_types().get(key)


def certificate_types() -> list[dict[str, Any]]:
    return list(_certificate_doc()["types"])


@cache
def _certificate_doc() -> dict[str, Any]:
    return json.loads((DATA / "certificate_types.json").read_text(encoding="utf-8"))


def permit_requirements(permit_type: str) -> dict[str, bool]:
    """Which roles of a permit type need a certificate; unknown types need both
    (fail-safe: a new type is checked until the data says otherwise)."""
    found = _certificate_doc().get("permit_requirements", {}).get(permit_type)
    return {"worker": True, "watcher": True, **(found or {})}
