"""One's own account (the password), and an admin's hand on someone else's: reset the
password, lift the lock after wrong passwords. The rules are in ``processes.accounts``."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import db
from processes import accounts, people
from processes.errors import NotAllowed, ValidationFailed

from ..auth import log_in
from . import bp
from .auth import me


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    """The person's own change, with the current password. Every other browser, phone and
    API token of theirs is logged out; this browser gets a fresh session."""
    person = me()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        old = request.form.get("old_password") or ""
        new = request.form.get("new_password") or ""
        again = request.form.get("new_password_again") or ""
        try:
            if new != again:
                raise ValidationFailed({"new_password_again": [
                    _("两次输入的新密码不一致")]})
            accounts.change_password(db.session, person, old, new)
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            log_in(person, remember=False)
            db.session.commit()
            flash(_("密码已修改，其他设备上的登录已全部退出"), "success")
            return redirect(url_for("pages.index"))
    return render_template("account/password.html", errors=errors), 422 if errors else 200


def _admin_target(person_id: int) -> Any:
    actor = me()
    person = people.get_person(db.session, person_id)
    if not actor.has_role("admin"):
        raise NotAllowed(_("只有系统管理员可以管理登录账号"))
    return actor, person


@bp.post("/people/<int:person_id>/unlock")
@login_required
def unlock_person(person_id: int) -> Any:
    actor, person = _admin_target(person_id)
    accounts.unlock(db.session, person, actor=actor)
    db.session.commit()
    flash(_("已解除 %(name)s 的登录锁定", name=person.name), "success")
    return redirect(url_for("pages.person_profile", person_id=person.id))


@bp.post("/people/<int:person_id>/password")
@login_required
def reset_password(person_id: int) -> Any:
    actor, person = _admin_target(person_id)
    try:
        accounts.reset_password(db.session, person, request.form.get("password") or "",
                                actor=actor)
    except ValidationFailed as exc:
        db.session.rollback()
        from .people import render_profile

        return render_profile(actor, person, account_errors=exc.errors, status=422)
    db.session.commit()
    flash(_("已重置 %(name)s 的密码，其所有登录已退出", name=person.name), "success")
    return redirect(url_for("pages.person_profile", person_id=person.id))
