"""Pages of on-site supervision: the QR card at the work point, the watcher's phone
sign-in, and the pre-work taps. Self-contained (own blueprint and templates); the pages
talk to API v1 with the login session, and learn verdicts by polling.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from engine import db
from processes import catalog, permits
from processes.errors import NotAllowed
from processes.models import Permit, Person
from processes.supervision import consent, prework, settings

from ..auth import current_person

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

PROMPT_TEXT = {
    "blink": ("眨眨眼", "blink"),
    "turn_left": ("向左转头", "turn your head to your left"),
    "turn_right": ("向右转头", "turn your head to your right"),
    "open_mouth": ("张嘴", "open your mouth"),
}


def _person_or_login() -> Person | Any:
    person = current_person()
    if person is None:
        return redirect(url_for("pages.login", next=request.full_path))
    return person


def _permit(person: Person, permit_id: int) -> Permit:
    permit = permits.get(db.session, permit_id)
    if not permits.can_view(person, permit):
        raise NotAllowed("this permit belongs to another site")
    return permit


def _type_name(permit: Permit) -> str:
    found = catalog.permit_type(permit.type)
    return found.name_zh if found else permit.type


@bp.get("/permits/<int:permit_id>/card")
def card(permit_id: int) -> Any:
    """The printable card for the work point; on a screen its QR code rotates by itself."""
    person = _person_or_login()
    if not isinstance(person, Person):
        return person
    permit = _permit(person, permit_id)
    return render_template("supervision/card.html", permit=permit,
                           type_name=_type_name(permit),
                           rotate=settings.raw()["qr"]["rotate_seconds"],
                           profile=settings.of_permit(permit))


@bp.get("/permits/<int:permit_id>/sign-in")
def sign_in_page(permit_id: int) -> Any:
    """Where the QR code leads: camera, prompts, GPS, upload, verdict — on the phone."""
    person = _person_or_login()
    if not isinstance(person, Person):
        return person
    permit = _permit(person, permit_id)
    profile = settings.of_permit(permit)
    if consent.needed(profile) and consent.active(db.session, person) is None:
        # face and position are sensitive: the notice and "我同意" come before the camera
        return render_template("supervision/consent.html", permit=permit,
                               type_name=_type_name(permit), person=person,
                               status=consent.status(db.session, person),
                               next_url=request.full_path.rstrip("?"))
    return render_template("supervision/sign_in.html", permit=permit,
                           type_name=_type_name(permit), qr=request.args.get("qr", ""),
                           prompt_text=PROMPT_TEXT, profile=profile,
                           person=person)


@bp.get("/permits/<int:permit_id>/pre-work")
def pre_work_page(permit_id: int) -> Any:
    """Three taps (plus the type's own) before work starts."""
    person = _person_or_login()
    if not isinstance(person, Person):
        return person
    permit = _permit(person, permit_id)
    return render_template("supervision/pre_work.html", permit=permit,
                           type_name=_type_name(permit),
                           status=prework.status(db.session, permit))
