"""“我的个人信息”: what is held about me, and my consent to face/GPS sign-in.

The page reads the same ``processes`` functions as ``GET /api/v1/me/personal-data``; the
forms give or withdraw the caller's own consent and come back (``next``: the sign-in page
the watcher came from).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine import clock, db
from processes import personal_data
from processes.errors import ValidationFailed
from processes.supervision import consent

from . import bp
from .auth import me, safe_next


@bp.get("/me/personal-data")
@login_required
def my_personal_data() -> Any:
    person = me()
    return render_template("personal_data.html", data=personal_data.held(db.session, person),
                           next_url=safe_next(request.args.get("next")))


@bp.post("/me/consent")
@login_required
def give_consent() -> Any:
    """“我同意”: the form carries the version shown, so a newer text is not agreed unseen."""
    person = me()
    next_url = safe_next(request.form.get("next"))
    raw = (request.form.get("version") or "").strip()
    if request.form.get("agree") != "yes" or not raw.isdigit():
        raise ValidationFailed({"agree": ["请阅读告知并点击“我同意” / read the notice and press "
                                          "“I agree”"]}, code="consent_not_given")
    consent.give(db.session, person, version=int(raw), client_ip=request.remote_addr,
                 client_agent=request.user_agent.string or None, now=clock.now())
    db.session.commit()
    flash("已记录你的同意 / your consent is recorded", "success")
    return redirect(next_url or url_for("pages.my_personal_data"))


@bp.post("/me/consent/withdraw")
@login_required
def withdraw_consent() -> Any:
    person = me()
    consent.withdraw(db.session, person, client_ip=request.remote_addr, now=clock.now())
    db.session.commit()
    flash("已撤回同意：此后不能用人脸或定位签到 / consent withdrawn: face and GPS sign-ins "
          "are refused from now on", "success")
    return redirect(url_for("pages.my_personal_data"))
