"""``permitflow certificates …``: import a ledger, run the daily status pass by hand."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from engine import clock, db
from processes import alerts, ledger_import, roster, suspensions
from processes.models import Person


@click.group("certificates")
def certificates_group() -> None:
    """The certificate ledger."""


def _actor(username: str) -> Person:
    person = db.session.execute(select(Person).where(Person.username == username)
                                ).scalar_one_or_none()
    if person is None:
        raise click.ClickException(f"no user {username!r} (use --as with an admin or "
                                   f"safety-department login)")
    return person


@certificates_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="only report problems; write nothing")
@click.option("--as", "username", default="admin", show_default=True)
@with_appcontext
def import_command(file: Path, dry_run: bool, username: str) -> None:
    """Import an .xlsx or .csv ledger: every row, or nothing if any row has a problem."""
    report = ledger_import.run(db.session, file.name, file.read_bytes(),
                               actor=_actor(username), dry_run=dry_run)
    for problem in report.problems:
        click.echo(f"row {problem['row']} [{problem['column']}]: {problem['message']}",
                   err=True)
    summary = (f"{report.rows} rows, {len(report.bad_rows)} with problems; "
               f"{report.people_new} new people, {report.certificates_new} new and "
               f"{report.certificates_updated} updated certificates")
    if report.problems or dry_run:
        db.session.rollback()
        click.echo(("dry run: " if dry_run else "nothing imported: ") + summary)
        sys.exit(1 if report.problems else 0)
    db.session.commit()
    click.echo("imported: " + summary)


@certificates_group.command("daily")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@with_appcontext
def daily_command(day: datetime | None) -> None:
    """Recompute statuses and alerts and scan live permits now (the daily job's work)."""
    today = day.date() if day is not None else roster.local_today(db.session, None)
    counted = alerts.recompute_all(db.session, today)
    scanned = suspensions.scan(db.session, today, warn=True)
    db.session.commit()
    click.echo(f"{today}: {counted.checked} certificates, {counted.opened} alerts opened, "
               f"{counted.resolved} resolved; {scanned.suspended} permits suspended, "
               f"{scanned.lifted} lifted (at {clock.now().isoformat()})")
