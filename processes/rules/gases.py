"""Gas properties and unit conversion for gas-test readings.

GB 30871-2022 states its flammable limits as absolute volume fractions (5.3.2: 0.5 or
0.2 %VOL) and its toxic limits by reference to GBZ 2.1 (mg/m3), while detectors show %LEL,
%VOL or ppm. Every reading is therefore converted to %VOL before it is judged; this module
holds the table that makes that possible (`data/gases.json`) and the conversion.

Reference conditions for ppm <-> mg/m3: 20 °C and 101.325 kPa, molar volume 24.04 L/mol
(see `data/gases.json`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from numbers import Real
from types import MappingProxyType
from typing import Any, Final

from processes.rules import data
from processes.rules.errors import InvalidValueError, UnitError, UnknownGasError

PERCENT_LEL: Final = "%LEL"
PERCENT_VOL: Final = "%VOL"
PPM: Final = "ppm"
MG_M3: Final = "mg/m3"
UNITS: Final = (PERCENT_LEL, PERCENT_VOL, PPM, MG_M3)
"""The units a reading may use (design.md §3, gas test task data)."""

PPM_PER_PERCENT_VOL: Final = 10_000

_UNIT_SPELLINGS: Final = MappingProxyType(
    {
        "%lel": PERCENT_LEL,
        "%vol": PERCENT_VOL,
        "%v/v": PERCENT_VOL,
        "ppm": PPM,
        "mg/m3": MG_M3,
        "mg/m³": MG_M3,
    }
)


@dataclass(frozen=True)
class ToxicLimits:
    """GBZ 2.1 occupational exposure limits in mg/m3 (indicative, see `status`)."""

    mac: float | None
    pc_twa: float | None
    pc_stel: float | None
    status: str


@dataclass(frozen=True)
class Gas:
    """One row of the gas table.

    `lel_percent_vol` is None for a gas that does not burn; `molecular_weight` is None for a
    mixture (gasoline), which then cannot be reported in mg/m3; `toxic` is None when no
    GBZ 2.1 limit is recorded.
    """

    key: str
    formula: str | None
    name_en: str
    name_zh: str
    aliases: tuple[str, ...]
    lel_percent_vol: float | None
    molecular_weight: float | None
    toxic: ToxicLimits | None

    @property
    def is_flammable(self) -> bool:
        """True when the gas has a lower explosive limit (GB 30871-2022 5.3.2 applies)."""
        return self.lel_percent_vol is not None

    @property
    def is_toxic(self) -> bool:
        """True when a GBZ 2.1 limit is recorded (GB 30871-2022 6.4 applies)."""
        return self.toxic is not None


def _name_key(name: str) -> str:
    return "".join(name.split()).casefold()


def _gas(row: Mapping[str, Any], status: str) -> Gas:
    limits = row["toxic_limits_mg_m3"]
    return Gas(
        key=row["key"],
        formula=row["formula"],
        name_en=row["name_en"],
        name_zh=row["name_zh"],
        aliases=tuple(row["aliases"]),
        lel_percent_vol=row["lel_percent_vol"],
        molecular_weight=row["molecular_weight"],
        toxic=ToxicLimits(limits["mac"], limits["pc_twa"], limits["pc_stel"], status)
        if limits
        else None,
    )


def _index(table: Iterable[Gas]) -> Mapping[str, Gas]:
    """Every name of every gas -> the gas; a name used twice is a data error."""
    index: dict[str, Gas] = {}
    for entry in table:
        for name in (entry.key, entry.formula, entry.name_en, entry.name_zh, *entry.aliases):
            if name is None:
                continue
            other = index.setdefault(_name_key(name), entry)
            if other is not entry:
                raise RuntimeError(f"gases.json: {name!r} names both {other.key} and {entry.key}")
    return MappingProxyType(index)


_RAW: Final = data.load("gases.json")
_REFERENCE: Final = _RAW["reference_conditions"]
MOLAR_VOLUME_L_PER_MOL: Final = float(_REFERENCE["molar_volume_l_per_mol"])
REFERENCE_TEMPERATURE_C: Final = float(_REFERENCE["temperature_c"])
REFERENCE_PRESSURE_KPA: Final = float(_REFERENCE["pressure_kpa"])

GASES: Final[Mapping[str, Gas]] = MappingProxyType(
    {row["key"]: _gas(row, _RAW["toxic_limits_status"]) for row in _RAW["gases"]}
)
"""The gas table by canonical key (`ch4`, `h2s`, `o2` ...)."""
_BY_NAME: Final = _index(GASES.values())
OXYGEN: Final = GASES["o2"]


def resolve_gas(name: str | Gas) -> Gas:
    """Return the gas for a key, formula, English or Chinese name (case and spaces ignored).

    Raises:
        UnknownGasError: the name is not in `data/gases.json`.
    """
    if isinstance(name, Gas):
        return name
    if not isinstance(name, str) or (found := _BY_NAME.get(_name_key(name))) is None:
        raise UnknownGasError(name)
    return found


def normalize_unit(unit: str) -> str:
    """Return the canonical spelling of a unit (`%LEL`, `%VOL`, `ppm`, `mg/m3`).

    Raises:
        UnitError: the unit is not one of them.
    """
    if isinstance(unit, str) and (found := _UNIT_SPELLINGS.get(_name_key(unit))) is not None:
        return found
    raise UnitError(unit, detail=f"expected one of {', '.join(UNITS)}")


def check_value(value: object, field: str = "value") -> float:
    """Return a reading value as float: a finite number >= 0 (instruments never read less).

    Raises:
        InvalidValueError: anything else (booleans, strings, NaN, negatives).
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidValueError(field, value, "must be a number")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidValueError(field, value, "must be a finite number >= 0")
    return number


def _percent_vol_per_unit(found: Gas, unit: str) -> float:
    """How many %VOL one unit of `unit` is for `found` (every conversion is linear)."""
    canonical = normalize_unit(unit)
    if canonical == PERCENT_VOL:
        return 1.0
    if canonical == PPM:
        return 1.0 / PPM_PER_PERCENT_VOL
    if canonical == PERCENT_LEL:
        if found.lel_percent_vol is None:
            raise UnitError(unit, gas=found.key, detail="the gas is not flammable, it has no LEL")
        return found.lel_percent_vol / 100.0
    if found.molecular_weight is None:
        raise UnitError(unit, gas=found.key, detail="a mixture without one molecular weight")
    return MOLAR_VOLUME_L_PER_MOL / found.molecular_weight / PPM_PER_PERCENT_VOL


def to_percent_vol(gas: str | Gas, value: float, unit: str, *, field: str = "value") -> float:
    """Convert a reading to % by volume, the unit of the GB 30871-2022 limits.

    %LEL is value × LEL / 100; ppm is value / 10 000; mg/m3 goes through ppm with the
    molecular weight at 20 °C, 101.325 kPa (24.04 L/mol).

    Raises:
        UnknownGasError: the gas is not in the table.
        UnitError: unknown unit, %LEL of a gas without LEL, mg/m3 of a mixture.
        InvalidValueError: the value is not a finite number >= 0, or is above 100 %VOL
            (`field` names the value in the error).
    """
    found = resolve_gas(gas)
    number = check_value(value, field)
    percent = number * _percent_vol_per_unit(found, unit)
    if percent > 100.0 * (1 + 1e-12):  # allow float rounding of a true 100 %
        raise InvalidValueError(field, value, f"{percent:g} %VOL is more than 100 %")
    return min(percent, 100.0)


def from_percent_vol(gas: str | Gas, percent_vol: float, unit: str) -> float:
    """Express a %VOL figure (a reading or a limit) in `unit`: the inverse of `to_percent_vol`.

    Raises the same errors as `to_percent_vol`.
    """
    found = resolve_gas(gas)
    number = check_value(percent_vol, "percent_vol")
    if number > 100.0:
        raise InvalidValueError("percent_vol", percent_vol, "more than 100 %VOL")
    return number / _percent_vol_per_unit(found, unit)
