"""The standard itself: GB 30871-2022's identity and the eight permit types it governs.

The permit type keys match the BPMN process keys of design.md §3; the rule modules check
them here so a typo never silently selects "no rules".
"""

from __future__ import annotations

from typing import Final

from processes.rules import data
from processes.rules.errors import UnknownPermitTypeError

_GB: Final = data.load("gb30871.json")

STANDARD_CODE: Final = _GB["standard"]["code"]
PERMIT_TYPES: Final = tuple(_GB["permit_types"])
"""The eight special-work types of GB 30871-2022 clauses 5–12, as process keys."""


def check_permit_type(permit_type: object) -> str:
    """Return `permit_type` if it is one of `PERMIT_TYPES`.

    Raises:
        UnknownPermitTypeError: anything else.
    """
    if not isinstance(permit_type, str) or permit_type not in PERMIT_TYPES:
        raise UnknownPermitTypeError(
            permit_type, detail=f"expected one of {', '.join(PERMIT_TYPES)}"
        )
    return permit_type
