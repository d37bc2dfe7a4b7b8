"""The ``permitflow`` command (Flask CLI): init, seed-demo, serve, worker, deploy, user, audit,
purge-personal-data.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from engine import DeployError, audit, db
from engine.deploy import collect_related
from processes import catalog, demo, people
from processes.models import Person

from .auth import hash_password


def _create_app(*_: Any) -> Flask:
    from . import create_app

    return create_app()


def _engine() -> Any:
    from . import get_engine

    return get_engine()


def _jobs() -> Any:
    from . import get_jobs

    return get_jobs()


def bpmn_files(folder: Path) -> list[Path]:
    """The BPMN files of the eight permit types that exist in ``folder``, in catalogue order."""
    return [folder / t.bpmn for t in catalog.permit_types().values() if (folder / t.bpmn).exists()]


def init_schema() -> None:
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


def deploy_paths(paths: list[Path], actor: str) -> int:
    """Deploy each BPMN with its DMN and forms; print what happened; return failures."""
    failures = 0
    for path in paths:
        try:
            rows = _engine().deploy(db.session, collect_related(path), actor=actor)
            db.session.commit()
            for row in rows:
                click.echo(f"deployed {row.key} v{row.version} ({path.name})")
        except DeployError as exc:
            db.session.rollback()
            failures += 1
            click.echo(f"refused {path.name}:", err=True)
            for p in exc.problems:
                where = f"{p.file}:{p.line}" if p.line else p.file
                element = f" [{p.element_id}{' ' + p.element_name if p.element_name else ''}]" \
                    if p.element_id else ""
                click.echo(f"  {where}{element}: {p.message}"
                           + (f" — {p.hint}" if p.hint else ""), err=True)
    return failures


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the schema, load the certificate catalogue, deploy bpmn/."""
    init_schema()
    people.sync_certificate_types(db.session)
    db.session.commit()
    folder = Path(current_app.config["BPMN_FOLDER"])
    if deploy_paths(bpmn_files(folder), actor="init"):
        sys.exit(1)


@click.command("seed-demo")
@click.option("--password", default="demo", show_default=True)
@with_appcontext
def seed_demo_command(password: str) -> None:
    """A demo plant: sites, areas with coordinates, one user per role, certificates."""
    counts = demo.seed(db.session, password_hash=hash_password, password=password)
    db.session.commit()
    click.echo("seeded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    click.echo(f"log in as any role key (applicant, watcher, unit_approver, …) "
               f"with password {password!r}")


@click.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False,
                                                                   path_type=Path))
@click.option("--as", "actor", default="cli", show_default=True)
@with_appcontext
def deploy_command(files: tuple[Path, ...], actor: str) -> None:
    """Deploy BPMN files (with the DMN and form files they use)."""
    if deploy_paths(list(files), actor=actor):
        sys.exit(1)


@click.group("user")
def user_group() -> None:
    """Manage login accounts."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(people.ROLES))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--site", default=None)
@click.option("--display-name", default=None)
@with_appcontext
def user_add_command(name: str, roles: tuple[str, ...], password: str, site: str | None,
                     display_name: str | None) -> None:
    from sqlalchemy import select

    if db.session.execute(select(Person.id).where(Person.username == name)).first():
        raise click.ClickException(f"user {name!r} already exists")
    from processes import auditing

    person = Person(name=display_name or name, username=name, roles=list(roles),
                    site_code=site, password_hash=hash_password(password))
    db.session.add(person)
    db.session.flush()
    auditing.record(db.session, "user.added", by="cli", data={
        "person_id": person.id, "username": name, "roles": list(roles)})
    db.session.commit()
    click.echo(f"added {name} ({', '.join(roles)})")


def _login(name: str) -> Person:
    from processes import accounts

    person = accounts.find_login(db.session, name)
    if person is None:
        raise click.ClickException(f"no user {name!r}")
    return person


@user_group.command("password")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def user_password_command(name: str, password: str) -> None:
    """Set a new password; every session and API token of the user ends, the lock lifts."""
    from processes import accounts
    from processes.errors import ValidationFailed

    person = _login(name)
    try:
        accounts.reset_password(db.session, person, password, actor="cli")
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(m for ms in exc.errors.values() for m in ms)
                                   ) from None
    db.session.commit()
    click.echo(f"password of {name} changed; their sessions and tokens are revoked")


@user_group.command("unlock")
@click.argument("name")
@with_appcontext
def user_unlock_command(name: str) -> None:
    """Lift the lock after wrong passwords."""
    from processes import accounts

    was = accounts.unlock(db.session, _login(name), actor="cli")
    db.session.commit()
    click.echo(f"{name} unlocked" if was else f"{name} was not locked")


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command() -> None:
    """Walk the chain; exit 1 at the first edited or removed event."""
    result = audit.verify(db.session)
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} events")
        return
    click.echo(f"audit chain BROKEN at event {result.broken_at}: {result.reason} "
               f"({result.checked} events verified before it)", err=True)
    sys.exit(1)


@click.command("purge-personal-data")
@click.option("--as", "actor", default="cli", show_default=True)
@with_appcontext
def purge_personal_data_command(actor: str) -> None:
    """Delete sign-in face images and GPS fixes past their retention now (the daily job)."""
    from engine import clock
    from processes.supervision import retention

    try:
        result = retention.purge(db.session, current_app.config["UPLOAD_FOLDER"],
                                 now=clock.now(), actor=actor)
    except ValueError as exc:  # a retention setting under a month
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"purged personal data older than {result.days} days "
               f"(before {result.cutoff.isoformat()}): {result.sign_ins} sign-ins, "
               f"{result.gps_fixes} GPS fixes, {result.files} files, {result.uploads} "
               f"upload records; {result.shared_kept} shared files kept")


@audit_group.command("tasks")
@with_appcontext
def audit_tasks_command() -> None:
    """Check each instance's open tasks against its workflow's ready user tasks; exit 1 if
    any differ."""
    from engine.consistency import check_tasks

    result = check_tasks(db.session, _engine())
    if result.ok:
        click.echo(f"tasks consistent: {result.checked} instances")
        return
    for m in result.mismatches[:50]:
        click.echo(f"instance {m.instance_id} ({m.status}): open but not ready {m.extra}; "
                   f"ready but not open {m.missing}", err=True)
    click.echo(f"tasks INCONSISTENT: {len(result.mismatches)} of {result.checked} instances",
               err=True)
    sys.exit(1)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="web processes")
@click.option("--threads", default=4, show_default=True, type=int)
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, workers: int, threads: int) -> None:
    """Serve web (gunicorn); with no REDIS_URL each process also runs an in-process worker."""
    from .serve import serve

    serve(host=host, port=port, workers=workers, threads=threads)


@click.command("worker")
@click.option("--threads", default=4, show_default=True, type=int)
@with_appcontext
def worker_command(threads: int) -> None:
    """Run jobs from Redis and the periodic tick (timers, retries, outbox relay)."""
    from .serve import run_worker

    run_worker(current_app._get_current_object(), threads=threads)  # type: ignore[attr-defined]


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_context
def demo_command(ctx: click.Context, host: str, port: int) -> None:
    """init + seed-demo + serve: a whole plant on SQLite with nothing else running."""
    ctx.invoke(init_command)
    ctx.invoke(seed_demo_command, password="demo")
    click.echo(f"open http://{host}:{port}/ and log in as 'applicant' / 'demo'")
    ctx.invoke(serve_command, host=host, port=port, workers=1, threads=8)


def init_app(app: Flask) -> None:
    from .cli_certificates import certificates_group

    for command in (init_command, seed_demo_command, deploy_command, user_group, audit_group,
                    serve_command, worker_command, demo_command, certificates_group,
                    purge_personal_data_command):
        app.cli.add_command(command)


def main() -> None:
    cli = FlaskGroup(create_app=_create_app, add_default_commands=True,
                     help="permitflow: GB 30871 permit-to-work service")
    cli.main(prog_name="permitflow")
