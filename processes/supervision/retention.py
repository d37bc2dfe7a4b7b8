"""Retention of sign-in face images and positions: kept a while, then purged (PIPL art. 19).

GB 30871 annex B.3 asks that work video be kept at least one month and permits at least a
year. So a sign-in's clip, burst, kept frames and GPS fix are deleted once they are older
than ``personal_data_retention_days`` (plant settings, 30 by default, never less), while
the sign-in row keeps its outcome (accepted or refused, reasons, when) with the permit.
Permits, gas readings, approvals and the audit log are never touched. A file another
record still points at (content-hash storage shares identical files) stays.

Running the purge again changes nothing more: purged sign-ins are stamped and skipped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import auditing, uploads
from ..models import SignIn, Upload
from ..types.base import plant_settings
from . import storage

SETTING = "personal_data_retention_days"
DEFAULT_DAYS = 30
#: GB 30871 B.3: work video is kept at least one month
MINIMUM_DAYS = 30
#: what a purged geofence verdict keeps: the outcome, not where the phone was
FENCE_KEPT = ("passed", "reason", "radius_m")


def retention_days(settings: dict[str, Any] | None = None) -> int:
    """The plant's setting; a value under a month is a configuration error, not obeyed."""
    value = (settings if settings is not None else plant_settings()).get(SETTING, DEFAULT_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or value < MINIMUM_DAYS:
        raise ValueError(f"plant setting {SETTING} = {value!r}: 须为不少于{MINIMUM_DAYS}天的整数"
                         f"（GB 30871 附录B.3） / must be a whole number of days, at least "
                         f"{MINIMUM_DAYS} (GB 30871 annex B.3)")
    return value


def retained_until(sign_in: SignIn, days: int) -> datetime:
    return sign_in.signed_at + timedelta(days=days)


def payload_ids(sign_in: SignIn) -> set[str]:
    """The uploads of a sign-in that show the watcher's face."""
    details = sign_in.details or {}
    return {i for i in (sign_in.clip_id, *(sign_in.frames or []),
                        *(details.get("burst") or [])) if i}


@dataclass
class PurgeResult:
    days: int
    cutoff: datetime
    #: sign-ins whose face images or position were dropped
    sign_ins: int = 0
    gps_fixes: int = 0
    uploads: int = 0
    files: int = 0
    #: files kept because another record still points at them
    shared_kept: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cutoff"] = self.cutoff.isoformat()
        return data


def _strip(sign_in: SignIn, now: datetime) -> tuple[bool, bool]:
    """Drop the face images and the position; keep the verdict. (had images, had a fix)"""
    details = dict(sign_in.details or {})
    images = bool(payload_ids(sign_in))
    fix = sign_in.lat is not None or sign_in.lon is not None
    fence = details.get("geofence")
    if isinstance(fence, dict):
        details["geofence"] = {k: fence.get(k) for k in FENCE_KEPT}
    details["burst"] = []
    details["purged"] = {"at": now.isoformat(), "clip": bool(sign_in.clip_id),
                         "frames": len(sign_in.frames or []),
                         "burst": len((sign_in.details or {}).get("burst") or []), "fix": fix}
    sign_in.details, sign_in.clip_id, sign_in.frames = details, None, []
    sign_in.lat = sign_in.lon = sign_in.accuracy_m = None
    sign_in.purged_at = now
    return images, fix


def purge(session: Session, folder: str | Path, *, now: datetime, days: int | None = None,
          actor: str = "system") -> PurgeResult:
    """Purge what is past retention, then audit the run (one event, with the counts).

    Files are removed before the caller commits: if the commit fails, the next run finds
    the same sign-ins again and simply finds their files gone.
    """
    days = retention_days() if days is None else days
    result = PurgeResult(days=days, cutoff=now - timedelta(days=days))
    rows = session.execute(select(SignIn).where(
        SignIn.signed_at < result.cutoff, SignIn.purged_at.is_(None))
        .order_by(SignIn.id)).scalars().all()
    candidates: set[str] = set()
    for row in rows:
        candidates |= payload_ids(row)
        images, fix = _strip(row, now)
        result.sign_ins += int(images or fix)
        result.gps_fixes += int(fix)
    session.flush()
    for upload_id in sorted(candidates):
        if uploads.owners(session, upload_id).attached:
            result.shared_kept += 1
            continue
        upload = session.get(Upload, upload_id)
        if upload is not None:
            session.delete(upload)
            result.uploads += 1
        path = storage.path_of(folder, upload_id)
        if path.exists():
            path.unlink()
            result.files += 1
    session.flush()
    auditing.record(session, "personal_data.purged", by=actor, data=result.as_dict())
    return result
