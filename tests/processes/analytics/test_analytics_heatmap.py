"""The heatmap finds the planted hot spot, ignores small cells, and its numbers match an
independent pandas + scipy recomputation from the generated rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from engine import db
from processes.analytics import heatmap
from processes.errors import ValidationFailed
from processes.models import Area

from .hotspot import HOT, TINY


def grid(app, by, **filters):
    with app.app_context():
        return heatmap.compute(db.session, heatmap.Filters(**filters), by).as_dict()


def area_id(app, code):
    with app.app_context():
        from sqlalchemy import select

        return db.session.execute(select(Area.id).where(Area.code == code)).scalar_one()


def test_the_planted_hot_spot_is_the_one_flagged_slot(plant, hot_spot):
    result = grid(plant, "slot", site="SH1")
    flagged = [c for c in result["cells"] if c["flagged"]]
    assert [(c["weekday"], c["hour"]) for c in flagged] == [(HOT["weekday"], HOT["hour"])]
    cell = flagged[0]
    assert cell["jobs"] >= 200 and cell["ci_low"] > 1
    assert cell["risk_ratio"] == pytest.approx(2.4, abs=0.3)
    assert "周五 15:00–16:00" in result["findings"][0]


def test_small_cells_are_never_flagged_even_when_their_interval_clears_one(plant, hot_spot):
    result = grid(plant, ["slot", "area"], site="SH1")
    flagged = [c for c in result["cells"] if c["flagged"]]
    assert [(c["weekday"], c["hour"], c["area"]) for c in flagged] == [
        (HOT["weekday"], HOT["hour"], area_id(plant, HOT["area"]))]
    assert all(c["jobs"] >= 20 for c in flagged)
    tiny = next(c for c in result["cells"] if (c["weekday"], c["hour"], c["area"]) == (
        TINY["weekday"], TINY["hour"], area_id(plant, TINY["area"])))
    assert tiny["jobs"] < 20 and tiny["ci_low"] > 1 and not tiny["flagged"]


def test_the_minimum_jobs_is_a_setting(plant, hot_spot):
    with plant.app_context():
        result = heatmap.compute(db.session, heatmap.Filters(site="SH1"), "slot",
                                 min_jobs=1000)
    assert not result.flagged


def recompute(jobs: pd.DataFrame, incidents: pd.DataFrame, keys: list[str],
              confidence: float = 0.95) -> pd.DataFrame:
    """Straightforward: local time with pandas, counts with groupby, interval with gamma."""
    j = jobs.assign(**{
        "weekday": pd.to_datetime(jobs.planned_start, utc=True).dt.tz_convert(
            "Asia/Shanghai").dt.weekday,
        "hour": pd.to_datetime(jobs.planned_start, utc=True).dt.tz_convert(
            "Asia/Shanghai").dt.hour,
        "area": jobs.area_id})
    i = incidents[incidents.kind.isin(["incident", "near_miss"])]
    i = i.assign(**{
        "weekday": pd.to_datetime(i.occurred_at, utc=True).dt.tz_convert(
            "Asia/Shanghai").dt.weekday,
        "hour": pd.to_datetime(i.occurred_at, utc=True).dt.tz_convert("Asia/Shanghai").dt.hour,
        "area": i.area_id, "type": i.work_type})
    table = pd.concat([j.groupby(keys).size().rename("jobs"),
                       i.groupby(keys).size().rename("incidents")], axis=1).fillna(0)
    overall = table.incidents.sum() / table.jobs.sum()
    expected = table.jobs * overall
    alpha = 1 - confidence
    table["rate"] = table.incidents / table.jobs
    table["rr"] = table.incidents / expected
    table["low"] = np.where(table.incidents > 0,
                            stats.gamma.ppf(alpha / 2, table.incidents.clip(lower=1e-12)),
                            0.0) / expected
    table["high"] = stats.gamma.ppf(1 - alpha / 2, table.incidents + 1) / expected
    return table


@pytest.mark.parametrize("by,keys", [
    ("slot", ["weekday", "hour"]),
    ("slot,area", ["weekday", "hour", "area"]),
    ("area,type", ["area", "type"]),
])
def test_numbers_match_a_pandas_recomputation(plant, hot_spot, by, keys):
    jobs, incidents = hot_spot
    expected = recompute(jobs, incidents, keys)
    result = grid(plant, by, site="SH1")
    assert result["overall"]["jobs"] == int(expected.jobs.sum())
    assert result["overall"]["incidents"] == int(expected.incidents.sum())
    assert len(result["cells"]) == len(expected)
    for cell in result["cells"]:
        row = expected.loc[tuple(cell[k] for k in keys) if len(keys) > 1 else cell[keys[0]]]
        assert cell["jobs"] == row.jobs and cell["incidents"] == row.incidents
        assert cell["rate"] == pytest.approx(row.rate, abs=1e-5)
        assert cell["risk_ratio"] == pytest.approx(row.rr, abs=1e-3)
        assert cell["ci_low"] == pytest.approx(row.low, abs=1e-3)
        assert cell["ci_high"] == pytest.approx(row.high, abs=1e-3)


def test_filters_narrow_jobs_and_incidents_alike(plant, hot_spot):
    jobs, incidents = hot_spot
    firm = int(jobs.contractor_id.dropna().iloc[0])
    result = grid(plant, "area", site="SH1", contractor=firm)
    assert result["overall"]["jobs"] == int((jobs.contractor_id == firm).sum())
    assert result["overall"]["incidents"] == int(
        ((incidents.contractor_id == firm) & incidents.kind.isin(["incident", "near_miss"]))
        .sum())
    from datetime import date

    one_week = grid(plant, "slot", site="SH1", start=date(2026, 3, 2), end=date(2026, 3, 8))
    assert one_week["overall"]["jobs"] == 168 * 5 + 75


@pytest.mark.parametrize("by", ["", "weekday,weekday", "slot,hour", "area,type,slot", "bogus"])
def test_unknown_or_overlapping_dimensions_are_refused(plant, by):
    with pytest.raises(ValidationFailed) as exc:
        heatmap.parse_by(by)
    assert "by" in exc.value.errors
