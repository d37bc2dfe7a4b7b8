"""Import of existing certificate ledgers (Excel or CSV): dry run, then all-or-nothing.

A dry run reads every row and reports every problem of every row (row number as in the
spreadsheet, column, message) without writing anything. A real import writes only when
there is no problem at all, in the caller's single transaction: a ledger is never left
half-imported. People are matched by employee number and created when new.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock

from . import alerts, auditing, certificates, roster, suspensions
from .errors import NotAllowed, ValidationFailed
from .models import Certificate, CertificateType, Organization, Person, Site

#: column → accepted headers (Chinese ledgers first)
COLUMNS = {
    "name": ("姓名", "name"),
    "employee_no": ("工号", "员工编号", "employee_no"),
    "organization": ("单位", "部门", "所属单位", "organization"),
    "site": ("厂区", "site"),
    "type": ("证书类型", "作业类别", "操作项目", "type", "type_code"),
    "number": ("证书编号", "证号", "number"),
    "issued_on": ("发证日期", "初领日期", "issued_on"),
    "expires_on": ("有效期至", "有效期截止", "到期日期", "expires_on"),
    "review_due_on": ("应复审日期", "复审日期", "review_due_on"),
    "last_reviewed_on": ("上次复审日期", "last_reviewed_on"),
    "in_trade_since": ("从业起始日期", "in_trade_since"),
}
REQUIRED = ("name", "employee_no", "type", "number", "issued_on", "expires_on")
DATES = ("issued_on", "expires_on", "review_due_on", "last_reviewed_on", "in_trade_since")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d")


@dataclass
class Report:
    rows: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    people_new: int = 0
    certificates_new: int = 0
    certificates_updated: int = 0
    imported: bool = False

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append({"row": row, "column": column, "message": message})

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p["row"] for p in self.problems})

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "bad_rows": len(self.bad_rows),
                "problems": self.problems, "people_new": self.people_new,
                "certificates_new": self.certificates_new,
                "certificates_updated": self.certificates_updated, "imported": self.imported}


def read_rows(filename: str, content: bytes) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and data rows of an .xlsx or .csv file (UTF-8, or GBK as Excel saves it)."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise ValidationFailed({"file": [f"not a readable Excel workbook: {exc}"]}) from None
        rows = book.worksheets[0].iter_rows(values_only=True)
    elif name.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("gbk", errors="replace")
        rows = iter(csv.reader(io.StringIO(text)))
    else:
        raise ValidationFailed({"file": ["send an .xlsx or .csv ledger"]})
    header = next(rows, None)
    if header is None:
        raise ValidationFailed({"file": ["the ledger is empty"]})
    return [str(h or "").strip() for h in header], (list(r) for r in rows)


def _columns(header: list[str], report: Report) -> dict[str, int]:
    index: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, title in enumerate(header):
            if title in names or title.lower() in names:
                index[key] = i
                break
    for key in REQUIRED:
        if key not in index:
            report.problem(1, key, f"缺少列“{COLUMNS[key][0]}” / missing column {key}")
    return index


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


@dataclass
class _Context:
    types: dict[str, CertificateType]
    orgs: dict[str, Organization]
    sites: set[str]
    people: dict[str, Person]
    certs: dict[tuple[str, str], Certificate]
    firm: Organization | None


def _load(session: Session, rows: list[dict[str, Any]], actor: Person) -> _Context:
    types: dict[str, CertificateType] = {}
    for t in session.execute(select(CertificateType)).scalars():
        types[t.code] = types[t.name_zh] = t
    emp = {r["employee_no"] for r in rows if r.get("employee_no")}
    numbers = {r["number"] for r in rows if r.get("number")}
    people: dict[str, Person] = {}
    certs: dict[tuple[str, str], Certificate] = {}
    for chunk in _chunks(sorted(emp)):
        for p in session.execute(select(Person).where(Person.employee_no.in_(chunk))).scalars():
            people[p.employee_no or ""] = p
    for chunk in _chunks(sorted(numbers)):
        for c in session.execute(select(Certificate).where(Certificate.number.in_(chunk))
                                 ).scalars():
            certs[(c.type_code, c.number)] = c
    firm = None
    if actor.has_role("contractor_admin") and not actor.has_role("admin", "safety_dept"):
        firm = session.get(Organization, actor.organization_id) if actor.organization_id \
            else None
        if firm is None:
            raise NotAllowed("a contractor admin imports only for their own firm")
    return _Context(types=types,
                    orgs={o.name: o for o in session.execute(select(Organization)).scalars()},
                    sites=set(session.execute(select(Site.code)).scalars()),
                    people=people, certs=certs, firm=firm)


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _parse(raw: list[Any], index: dict[str, int], row_no: int, report: Report
           ) -> dict[str, Any]:
    row: dict[str, Any] = {"row": row_no}
    for key, i in index.items():
        value = raw[i] if i < len(raw) else None
        if key in DATES:
            if _text(value) == "":
                row[key] = None
                continue
            try:
                row[key] = _date(value)
            except ValueError:
                report.problem(row_no, key, f"日期无法识别：{_text(value)!r} / not a date "
                                            f"(YYYY-MM-DD)")
                row[key] = None
        else:
            row[key] = _text(value)
    for key in REQUIRED:
        if row.get(key) in (None, "") and not any(
                p["row"] == row_no and p["column"] == key for p in report.problems):
            report.problem(row_no, key, "必填 / required")
    return row


def _check(row: dict[str, Any], ctx: _Context, seen: dict[tuple[str, str], int],
           names: dict[str, tuple[str, int]], report: Report) -> None:
    n = row["row"]
    ctype = ctx.types.get(row.get("type") or "")
    if row.get("type") and ctype is None:
        report.problem(n, "type", f"未知证书类型 {row['type']!r} / unknown certificate type")
    issued, expires = row.get("issued_on"), row.get("expires_on")
    if issued and expires and expires <= issued:
        report.problem(n, "expires_on", "有效期至须晚于发证日期 / must be after issued_on")
    review = row.get("review_due_on")
    if review and issued and expires and not issued < review <= expires:
        report.problem(n, "review_due_on", "复审日期须在有效期内 / must fall within the validity")
    emp, name = row.get("employee_no"), row.get("name")
    if emp and name:
        first = names.setdefault(emp, (name, n))
        if first[0] != name:
            report.problem(n, "employee_no", f"工号在第{first[1]}行属于{first[0]} / this employee "
                                             f"number is {first[0]} in row {first[1]}")
        known = ctx.people.get(emp)
        if known is not None and known.name != name:
            report.problem(n, "name", f"工号已登记为{known.name} / employee number belongs to "
                                      f"{known.name}")
        if known is not None and ctx.firm is not None and known.organization_id != ctx.firm.id:
            report.problem(n, "employee_no", "不是本单位人员 / not a person of your firm")
    if ctype is not None and row.get("number"):
        key = (ctype.code, row["number"])
        if key in seen:
            report.problem(n, "number", f"与第{seen[key]}行重复 / duplicate of row {seen[key]}")
        seen.setdefault(key, n)
        existing = ctx.certs.get(key)
        if existing is not None and existing.person.employee_no != emp:
            report.problem(n, "number", "证书编号属于他人 / this certificate number belongs "
                                        "to someone else")
    if row.get("organization") and ctx.firm is None and row["organization"] not in ctx.orgs:
        report.problem(n, "organization", f"未知单位 {row['organization']!r}，请先建立 / unknown "
                                          f"organization")
    if row.get("site") and row["site"] not in ctx.sites:
        report.problem(n, "site", f"未知厂区 {row['site']!r} / unknown site")


def run(session: Session, filename: str, content: bytes, *, actor: Person, dry_run: bool
        ) -> Report:
    """Check every row; write everything (only if nothing is wrong and not a dry run)."""
    if not actor.has_role("admin", "safety_dept", "contractor_admin"):
        raise NotAllowed("only the safety department (or a contractor admin) imports ledgers")
    report = Report()
    header, raw_rows = read_rows(filename, content)
    index = _columns(header, report)
    rows = []
    for row_no, raw in enumerate(raw_rows, start=2):
        if not any(_text(v) for v in raw):
            continue
        rows.append(_parse(raw, index, row_no, report))
    report.rows = len(rows)
    ctx = _load(session, rows, actor)
    seen: dict[tuple[str, str], int] = {}
    names: dict[str, tuple[str, int]] = {}
    for row in rows:
        _check(row, ctx, seen, names, report)
    report.problems.sort(key=lambda p: (p["row"], p["column"]))
    _count(rows, ctx, report)
    if report.problems or dry_run:
        return report
    saved = _write(session, rows, ctx, actor)
    report.imported = True
    auditing.record(session, "certificates.imported", by=actor, data={
        "file": filename, "sha256": hashlib.sha256(content).hexdigest(), "rows": report.rows,
        "people_new": report.people_new, "certificates_new": report.certificates_new,
        "certificates_updated": report.certificates_updated})
    today = roster.local_today(session, actor.site_code)
    alerts.sync(session, saved, today)
    suspensions.scan(session, today, person_ids={c.person_id for c in saved})
    return report


def _count(rows: list[dict[str, Any]], ctx: _Context, report: Report) -> None:
    new_people = {r["employee_no"] for r in rows if r.get("employee_no")} - set(ctx.people)
    report.people_new = len(new_people)
    for row in rows:
        ctype = ctx.types.get(row.get("type") or "")
        key = (ctype.code if ctype else "", row.get("number") or "")
        if key in ctx.certs:
            report.certificates_updated += 1
        else:
            report.certificates_new += 1


def _write(session: Session, rows: list[dict[str, Any]], ctx: _Context, actor: Person
           ) -> list[Certificate]:
    now = clock.now()
    saved = []
    for row in rows:
        person = ctx.people.get(row["employee_no"])
        org = ctx.firm or ctx.orgs.get(row.get("organization") or "")
        if person is None:
            person = Person(name=row["name"], employee_no=row["employee_no"], roles=[],
                            site_code=row.get("site") or (org.site_code if org else None)
                            or actor.site_code, organization=org, created_at=now)
            session.add(person)
            ctx.people[row["employee_no"]] = person
        ctype = ctx.types[row["type"]]
        cert = ctx.certs.get((ctype.code, row["number"]))
        if cert is None:
            cert = Certificate(person=person, type=ctype, type_code=ctype.code,
                               number=row["number"])
            session.add(cert)
            ctx.certs[(ctype.code, row["number"])] = cert
        cert.issued_on, cert.expires_on = row["issued_on"], row["expires_on"]
        cert.last_reviewed_on = row.get("last_reviewed_on")
        cert.in_trade_since = row.get("in_trade_since")
        cert.review_due_on = row.get("review_due_on") or certificates.review_due_after(
            ctype, cert, cert.last_reviewed_on or cert.issued_on)
        saved.append(cert)
    session.flush()
    return saved
