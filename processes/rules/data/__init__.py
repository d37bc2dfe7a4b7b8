"""The rule data files: every GB 30871 number, gas property and holiday as JSON.

Process designers read and review these files; the modules of `processes.rules` only load
and evaluate them. The files are package data (see `setup.cfg`), so they ship with the
wheel:

- `gb30871.json`: the GB 30871-2022 numbers, each next to its clause.
- `gases.json`: lower explosive limits, molecular weights and GBZ 2.1 toxic limits.
- `holidays_cn.json`: Chinese statutory holidays and adjusted working days (调休).
- `checklists.json`: the checklist items of the permit forms (Appendix A).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> Any:
    """Return the parsed JSON file `name` of this package (cached: the files are read-only)."""
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))
