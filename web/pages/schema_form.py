"""A task's JSON Schema as an HTML form, and the posted form back as task data.

One generic renderer for every permit type: the schema decides the widgets (see
``templates/forms/fields.html``), and the same walk over the schema turns the flat,
dotted form names (``items.purged``, ``readings.0.value``) into typed JSON. The engine
still validates the result against the schema; this module only converts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from . import labels
from .display import is_english

MISSING: Any = object()
ROW_SLOT = "__i__"
TRISTATE = {True, False, "na"}
DECISION = {"approve", "reject"}


@dataclass
class Field:
    """One widget: ``kind`` picks the macro that renders it."""

    path: str
    name: str
    kind: str
    label: str = ""
    hint: str = ""
    required: bool = False
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[Field] = field(default_factory=list)
    rows: list[Field] = field(default_factory=list)
    template: Field | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_items: int = 0
    max_length: int | None = None
    examples: list[str] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9_]", "-", self.path)

    def walk(self) -> list[Field]:
        found = [self]
        for child in [*self.children, *self.rows]:
            found.extend(child.walk())
        return found

    @property
    def has_decision(self) -> bool:
        return any(f.kind == "decision" for f in self.walk())


def kind_of(name: str, prop: dict[str, Any]) -> str:
    if "enum" in prop:
        options = prop["enum"]
        if set(options) == DECISION:
            return "decision"
        if True in options and False in options and set(options) <= TRISTATE:
            return "tristate" if "na" in options else "yesno"
        return "choice"
    if prop.get("const") is True:
        return "confirm"
    kind = prop.get("type")
    if kind == "object" and "properties" in prop:
        return "object"
    if kind == "array" and (prop.get("items") or {}).get("type") == "object":
        return "rows"
    if kind == "boolean":
        return "yesno"
    if kind == "integer":
        return "person" if name == "confirmed_by" else "integer"
    if kind == "number":
        return "number"
    if name == "photo":
        return "photo"
    if prop.get("format") == "date-time":
        return "datetime"
    if (prop.get("maxLength") or 0) > 200:
        return "textarea"
    return "text"


def encode(option: Any) -> str:
    """A JSON value as a form value: true/false stay distinguishable from "true"."""
    if option is True:
        return "true"
    if option is False:
        return "false"
    return str(option)


def _option_label(kind: str, option: Any) -> str:
    if kind in ("tristate", "yesno"):
        return {"true": str(labels.YES), "false": str(labels.NO),
                "na": str(labels.NOT_APPLICABLE)}[encode(option)]
    if kind == "decision":
        return labels.label("decision", option)
    return str(option)


def _label_and_hint(name: str, prop: dict[str, Any]) -> tuple[str, str]:
    title = prop.get("title") or name
    description = prop.get("description") or ""
    if not is_english():
        return title, ""
    translated = labels.FORM_TERM.get(title) or labels.STEP.get(title)
    if translated is not None and str(translated) != title:
        return str(translated), description
    if description:
        return description, title
    return title, ""


def to_local_input(value: Any, zone: ZoneInfo) -> str:
    """An ISO time as a ``datetime-local`` value in the site's zone (raw text if unparsable)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.strftime("%Y-%m-%dT%H:%M")


def from_local_input(text: str, zone: ZoneInfo) -> str:
    """A ``datetime-local`` value read in the site's zone → ISO 8601 with offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def _display(kind: str, value: Any, zone: ZoneInfo) -> Any:
    if value is None or value is MISSING:
        return None
    if kind in ("tristate", "yesno", "choice", "decision"):
        return encode(value)
    if kind == "datetime":
        return to_local_input(value, zone)
    if kind == "confirm":
        return value is True
    if kind == "number" and isinstance(value, float) and value.is_integer():
        return int(value)  # show 12, as typed, not 12.0
    return value


def build(schema: dict[str, Any] | None, values: dict[str, Any] | None, *, zone: ZoneInfo,
          person_id: int | None = None, now_local: str = "") -> Field:
    """The widget tree of a form schema, filled with ``values`` (task data or a re-post)."""
    root = Field(path="", name="", kind="object", label=(schema or {}).get("title", ""))
    if schema:
        root.children = _children(schema, values or {}, "", zone, person_id, now_local)
        # the approve/reject buttons submit the form: they go last, after the comment
        root.children.sort(key=lambda f: f.kind == "decision")
    return root


def _children(schema: dict[str, Any], values: dict[str, Any], prefix: str, zone: ZoneInfo,
              person_id: int | None, now_local: str) -> list[Field]:
    required = set(schema.get("required") or [])
    out = []
    for name, prop in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        value = values.get(name, MISSING) if isinstance(values, dict) else MISSING
        out.append(_field(name, prop, path, value, name in required, zone, person_id,
                          now_local))
    return out


def _field(name: str, prop: dict[str, Any], path: str, value: Any, required: bool,
           zone: ZoneInfo, person_id: int | None, now_local: str) -> Field:
    kind = kind_of(name, prop)
    label, hint = _label_and_hint(name, prop)
    f = Field(path=path, name=name, kind=kind, label=label, hint=hint, required=required,
              minimum=prop.get("minimum"), maximum=prop.get("maximum"),
              max_length=prop.get("maxLength"),
              examples=[str(e) for e in prop.get("examples") or []])
    if kind == "object":
        f.children = _children(prop, value if isinstance(value, dict) else {}, path, zone,
                               person_id, now_local)
        return f
    if kind == "rows":
        item = prop["items"]
        f.min_items = int(prop.get("minItems") or 0)
        rows = value if isinstance(value, list) else []
        count = max(len(rows), f.min_items, 1)
        f.rows = [_row(item, rows[i] if i < len(rows) else {}, f"{path}.{i}", zone,
                       person_id, now_local) for i in range(count)]
        f.template = _row(item, {}, f"{path}.{ROW_SLOT}", zone, person_id, now_local)
        return f
    choices = prop.get("enum") or ([True, False] if kind == "yesno" else [])
    f.options = [(encode(o), _option_label(kind, o)) for o in choices]
    if kind == "person" and value is MISSING:
        value = person_id
    if kind == "datetime" and value is MISSING:
        value = None
        f.value = now_local
        return f
    f.value = _display(kind, value, zone)
    return f


def _row(item: dict[str, Any], values: dict[str, Any], path: str, zone: ZoneInfo,
         person_id: int | None, now_local: str) -> Field:
    row = Field(path=path, name=path.rsplit(".", 1)[-1], kind="object",
                label=item.get("title", ""))
    row.children = _children(item, values if isinstance(values, dict) else {}, path, zone,
                             person_id, now_local)
    return row


# -- posted form → data ----------------------------------------------------------------

def parse(schema: dict[str, Any] | None, form: MultiDict[str, str], *, zone: ZoneInfo
          ) -> dict[str, Any]:
    """Typed task data from a posted form; blanks are left out so "required" can speak."""
    if not schema:
        return {}
    value = _parse_object(schema, form, "", zone)
    return value if isinstance(value, dict) else {}


def _parse_object(schema: dict[str, Any], form: MultiDict[str, str], prefix: str,
                  zone: ZoneInfo) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        value = _parse_value(name, prop, form, path, zone)
        if value is not MISSING:
            out[name] = value
    return out


def _row_indices(form: MultiDict[str, str], path: str) -> list[int]:
    pattern = re.compile(re.escape(path) + r"\.(\d+)\.")
    found = {int(m.group(1)) for key in form if (m := pattern.match(key))}
    return sorted(found)


def _parse_value(name: str, prop: dict[str, Any], form: MultiDict[str, str], path: str,
                 zone: ZoneInfo) -> Any:
    kind = kind_of(name, prop)
    if kind == "object":
        return _parse_object(prop, form, path, zone)
    if kind == "rows":
        rows = []
        for index in _row_indices(form, path):
            row = _parse_object(prop["items"], form, f"{path}.{index}", zone)
            if row:  # a row left blank is a row not added
                rows.append(row)
        return rows
    raw = form.get(path)
    if kind == "confirm":
        return True if raw in ("true", "on", "1") else MISSING
    if raw is None or not raw.strip():
        return MISSING
    raw = raw.strip()
    choices = prop.get("enum") or ([True, False] if kind == "yesno" else [])
    for option in choices:
        if encode(option) == raw:
            return option
    if choices:
        return raw
    if kind in ("integer", "person"):
        return _number(raw, integer=True)
    if kind == "number":
        return _number(raw, integer=False)
    if kind == "datetime":
        return from_local_input(raw, zone)
    return raw


def _number(raw: str, *, integer: bool) -> Any:
    text = raw.replace(",", ".").replace("，", ".")
    try:
        number = float(text)
    except ValueError:
        return raw  # the schema check names the field and says what is wrong
    if not math.isfinite(number):
        return raw
    if integer:
        return int(number) if number.is_integer() else number
    return number
