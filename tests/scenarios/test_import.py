"""Importing an existing ledger: a 5,000-row workbook with 20 bad rows reports exactly those
20 and imports nothing until they are fixed; CSV and the CLI work the same way."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

from openpyxl import Workbook
from sqlalchemy import func, select

from engine import db
from processes.models import Certificate, Person
from tests.api import Api

HEADER = ["姓名", "工号", "单位", "厂区", "证书类型", "证书编号", "发证日期", "有效期至", "应复审日期"]
ROWS = 5000


def good_row(i: int) -> list:
    issued = date(2024, 1, 1) + timedelta(days=i % 300)
    return [f"导入工人{i // 2:04d}", f"E{i // 2:05d}", "维修一班", "SH1",
            "welding_cutting" if i % 2 == 0 else "登高架设作业", f"N{i:06d}", issued,
            issued + timedelta(days=6 * 365), None]


#: each breaks one rule; every bad row is an odd row (the second of a person's two rows)
BREAKERS: list[Callable[[list, int], None]] = [
    lambda r, i: r.__setitem__(4, "潜水作业"),                 # unknown type
    lambda r, i: r.__setitem__(6, "2024-13-45"),              # not a date
    lambda r, i: r.__setitem__(7, r[6] - timedelta(days=30)),  # expires before issued
    lambda r, i: r.__setitem__(5, ""),                        # number missing
    lambda r, i: r.__setitem__(5, f"N{i - 2:06d}"),           # duplicate of an earlier row
    lambda r, i: r.__setitem__(0, "冒名顶替"),                   # employee number, other name
    lambda r, i: r.__setitem__(2, "不存在的车间"),                # unknown organization
    lambda r, i: r.__setitem__(3, "ZZ9"),                     # unknown site
    lambda r, i: r.__setitem__(8, r[7] + timedelta(days=1)),  # review after expiry
    lambda r, i: r.__setitem__(1, ""),                        # employee number missing
]
BAD = [11 + 250 * k for k in range(20)]  # odd indices spread over the file


@cache
def workbook(bad: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for i in range(ROWS):
        row = good_row(i)
        if bad and i in BAD:
            BREAKERS[BAD.index(i) % len(BREAKERS)](row, i)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def post(api: Api, content: bytes, name: str, **query):
    r = api.client.post("/api/v1/certificates/import", headers=api._headers(),
                        query_string=query, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(content), name)})
    return r.status_code, r.get_json()


def counts(plant) -> tuple[int, int]:
    with plant.app_context():
        return (db.session.execute(select(func.count()).select_from(Certificate)).scalar_one(),
                db.session.execute(select(func.count()).select_from(Person)).scalar_one())


def test_5000_rows_with_20_bad_ones_import_nothing_until_fixed(plant):
    safety = Api(plant, "safety_dept")
    before = counts(plant)
    status, report = post(safety, workbook(bad=True), "台账.xlsx", dry_run=1)
    assert status == 200, report
    assert report["rows"] == ROWS and report["bad_rows"] == 20
    assert sorted({p["row"] for p in report["problems"]}) == [i + 2 for i in BAD]
    by_row = {p["row"]: p for p in report["problems"]}
    assert by_row[BAD[0] + 2]["column"] == "type" and "潜水作业" in by_row[BAD[0] + 2]["message"]
    assert by_row[BAD[4] + 2]["column"] == "number"
    assert f"第{BAD[4]}行" in by_row[BAD[4] + 2]["message"]  # the row it duplicates
    assert counts(plant) == before
    status, refused = post(safety, workbook(bad=True), "台账.xlsx")
    assert status == 422 and refused["errors"]["rows"]["bad_rows"] == 20
    assert counts(plant) == before
    status, report = post(safety, workbook(bad=False), "台账.xlsx")
    assert status == 201, report
    assert (report["imported"], report["certificates_new"], report["people_new"]) == (
        True, ROWS, ROWS // 2)
    assert counts(plant) == (before[0] + ROWS, before[1] + ROWS // 2)
    ledger = safety.get("/certificates", q="导入工人0042").json
    assert ledger["total"] == 2 and {c["status"] for c in ledger["items"]} <= {"green",
                                                                              "yellow"}


def test_csv_ledger_and_missing_columns(plant):
    safety = Api(plant, "safety_dept")
    csv_text = ("姓名,工号,证书类型,证书编号,发证日期,有效期至\n"
                "陈晨,E90001,低压电工作业,D-1,2025/03/01,2031/03/01\n"
                "陈晨,E90001,watcher,JH-9,2026.01.05,2029.01.05\n")
    status, report = post(safety, csv_text.encode("gbk"), "ledger.csv", dry_run="1")
    assert status == 200 and report["problems"] == [] and report["people_new"] == 1
    status, report = post(safety, "姓名,证书编号\n张三,X\n".encode(), "bad.csv", dry_run="1")
    assert {p["column"] for p in report["problems"] if p["row"] == 1} == {
        "employee_no", "type", "issued_on", "expires_on"}
    status, body = post(safety, b"not a ledger", "ledger.pdf")
    assert status == 422 and "file" in body["errors"]["fields"]
    status, _ = post(Api(plant, "applicant"), csv_text.encode(), "ledger.csv")
    assert status == 403


def test_cli_dry_run_and_import(plant, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text("姓名,工号,证书类型,证书编号,发证日期,有效期至\n"
                    "宋佳,E91001,welding_cutting,CLI-1,2025-03-01,2031-03-01\n"
                    "宋佳,E91001,welding_cutting,CLI-1,2025-03-01,2031-03-01\n", encoding="utf-8")
    runner = plant.test_cli_runner()
    result = runner.invoke(args=["certificates", "import", str(path), "--dry-run"])
    assert result.exit_code == 1 and "row 3 [number]" in result.output
    path.write_text("姓名,工号,证书类型,证书编号,发证日期,有效期至\n"
                    "宋佳,E91001,welding_cutting,CLI-1,2025-03-01,2031-03-01\n", encoding="utf-8")
    result = runner.invoke(args=["certificates", "import", str(path), "--dry-run"])
    assert result.exit_code == 0 and "dry run: 1 rows" in result.output
    result = runner.invoke(args=["certificates", "import", str(path)])
    assert result.exit_code == 0 and "imported: 1 rows" in result.output
    with plant.app_context():
        assert db.session.execute(select(Certificate).where(Certificate.number == "CLI-1")
                                  ).scalar_one().person.employee_no == "E91001"


def test_contractor_admin_imports_into_their_own_firm_only(plant):
    admin = Api(plant, "contractor_admin")
    csv_text = ("姓名,工号,证书类型,证书编号,发证日期,有效期至\n"
                "新焊工,C2999,welding_cutting,CT-1,2025-03-01,2031-03-01\n"
                "张伟（焊工）,W1001,welding_cutting,CT-2,2025-03-01,2031-03-01\n")
    status, report = post(admin, csv_text.encode(), "firm.csv", dry_run="1")
    assert status == 200
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(3, "employee_no")]
