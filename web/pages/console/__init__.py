"""The operations console: process versions, version diffs, instance view, incidents.

For process designers and admins (safety engineers, not programmers): every page states
its facts as server-rendered tables, and draws the BPMN diagram with bpmn-js (from
``web/static/vendor/bpmn-js``, filled by ``scripts/vendor.sh``) only when it is installed,
so the console works without it (the node list stays). The pages call the same functions
as API v1 (``web/api/versions.py``, ``instances.py``, ``incidents.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _

from processes.errors import NotAllowed, ValidationFailed

from ..auth import me

VENDOR = {"viewer": "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js",
          "modeler": "vendor/bpmn-js/bpmn-modeler.production.min.js",
          "diagram_css": "vendor/bpmn-js/diagram-js.css",
          "bpmn_css": "vendor/bpmn-js/bpmn-js.css",
          "font_css": "vendor/bpmn-js/bpmn-font/css/bpmn-embedded.css",
          # bpmn-js + properties panel + our spiffworkflow provider (esbuild, vendor.sh)
          "panel": "vendor/permitflow/modeler.js",
          "panel_css": "vendor/permitflow/properties-panel.css",
          "dmn": "vendor/permitflow/dmn-modeler.js",
          "dmn_diagram_css": "vendor/dmn-js/diagram-js.css",
          "dmn_shared_css": "vendor/dmn-js/dmn-js-shared.css",
          "dmn_drd_css": "vendor/dmn-js/dmn-js-drd.css",
          "dmn_table_css": "vendor/dmn-js/dmn-js-decision-table.css",
          "dmn_controls_css": "vendor/dmn-js/dmn-js-decision-table-controls.css",
          "dmn_literal_css": "vendor/dmn-js/dmn-js-literal-expression.css",
          "dmn_font_css": "vendor/dmn-js/dmn-font/css/dmn-embedded.css"}


def vendor_files() -> dict[str, str | None]:
    """Static URLs of the bpmn-js files that are installed (None: draw no diagram)."""
    static = Path(current_app.static_folder or "")
    return {k: (url_for("static", filename=v) if (static / v).exists() else None)
            for k, v in VENDOR.items()}


def _designer() -> Any:
    person = me()
    if not person.has_role("designer", "admin"):
        raise NotAllowed(_("只有流程设计员和管理员可以使用流程控制台"))
    return person


def _admin() -> Any:
    person = me()
    if not person.has_role("admin"):
        raise NotAllowed(_("只有管理员处理故障"))
    return person


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationFailed({name: [_("版本号须为正整数")]})
    return int(raw)


from . import decisions, incidents, instance, modeler, versions  # noqa: E402,F401
