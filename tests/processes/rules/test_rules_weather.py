"""Weather bans (processes.rules.weather): GB 30871 clauses 8 and 9."""

from __future__ import annotations

import pytest

from processes.rules import weather


@pytest.mark.parametrize(("wind", "sky", "fields"), [
    (4, "clear", []), (5, "clear", ["wind_force"]), (4, "dense_fog", ["weather"]),
    (4, "heavy_rain", []), (6, "dense_fog", ["wind_force", "weather"])])
def test_work_at_height(wind: int, sky: str, fields: list[str]) -> None:
    found = weather.ban_messages("work_at_height", wind_force=wind, weather=sky,
                                 outdoor=False)  # no exception indoors either
    assert list(found) == fields


@pytest.mark.parametrize(("wind", "sky", "fields"), [
    (5, "clear", []), (6, "clear", ["wind_force"]), (2, "heavy_snow", ["weather"]),
    (2, "heavy_rain", ["weather"]), (2, "dense_fog", ["weather"]), (2, "fog", []),
    (2, "moderate_rain", [])])
def test_outdoor_lifting(wind: int, sky: str, fields: list[str]) -> None:
    assert list(weather.ban_messages("lifting", wind_force=wind, weather=sky)) == fields
    assert weather.ban_messages("lifting", wind_force=wind, weather=sky, outdoor=False) == {}


def test_types_without_a_ban_and_the_condition_list() -> None:
    assert weather.ban_messages("excavation", wind_force=12, weather="dense_fog") == {}
    assert weather.CONDITIONS["dense_fog"] == "大雾/浓雾"
    assert all(c in weather.CONDITIONS for b in weather.BANS.values() for c in b.conditions)


@pytest.mark.parametrize("name", ["weather.json", "work_at_height.json", "lifting.json",
                                  "excavation.json", "road_closure.json"])
def test_special_work_data_files_explain_themselves(name: str) -> None:
    from processes.rules import data

    assert data.load(name)["_about"]
