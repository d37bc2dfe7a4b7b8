"""A permit type's own application fields, rendered and read back from its marshmallow
schema (``web/api/permit_fields.py`` TYPE_FIELDS).

The API schema is the one source: the widget follows the field class and its validators
(OneOf → select, Range → number limits, List of Nested → repeatable rows), the label is the
field's Chinese description, so a new field in the schema shows up on the phone without a
template change. Input names are the field's dotted path inside ``fields``
(``cranes.0.rated_capacity_t``), the same path the errors come back with.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range
from werkzeug.datastructures import MultiDict

from . import labels

ROW_SLOT = "__i__"

#: fields holding the id of an upload (the description says "上传编号")
UPLOAD_MARK = "上传编号"
#: fields holding a person id (the description says "人员编号")
PERSON_MARK = "人员编号"

#: choices the schema's description does not explain
CHOICE_WORDS = {
    "buried_services": {
        "power_cable": "电力电缆", "telecom_cable": "通信电缆", "water": "给水管",
        "fire_water": "消防水管", "process_pipe": "工艺管线", "steam": "蒸汽管",
        "sewer": "排水管、窨井", "unknown": "不明管线"},
    "action": {"insert": "堵", "remove": "抽"},
    "cable_laying": {"overhead": "架空", "surface": "沿墙/地面", "buried": "直埋"},
}


@dataclass
class Widget:
    """One input of the type's section; ``kind`` picks the template macro."""

    name: str
    path: str
    kind: str
    label: str
    required: bool = False
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    step: str = "any"
    max_length: int | None = None
    rows: list[list[Widget]] = field(default_factory=list)
    template: list[Widget] = field(default_factory=list)
    min_items: int = 0

    @property
    def dom_id(self) -> str:
        return re.sub(r"[^A-Za-z0-9_]", "-", self.path)


def _validator(f: fields.Field, kind: type) -> Any:
    return next((v for v in f.validators if isinstance(v, kind)), None)


def _description(f: fields.Field) -> str:
    return str((f.metadata or {}).get("description") or "")


def label_of(name: str, f: fields.Field, *, has_options: bool = False) -> str:
    """The field's Chinese description (translated when the catalogue has it); for a
    choice, only the part before the explanation of its options."""
    text = _description(f) or name
    text = text.split(" / ")[0]
    for mark in (UPLOAD_MARK, PERSON_MARK):  # how the API stores it, not for people
        text = text.replace(f"（{mark}）", "")
    if has_options and "：" in text:
        text = text.split("：")[0]
    return _(text)


def _option_words(name: str, f: fields.Field, choices: list[Any]) -> dict[str, str]:
    """What each choice means, from the description (``k=v`` pairs or a list in the
    choices' order) or :data:`CHOICE_WORDS`."""
    if name == "method" and all(c in labels.METHOD for c in choices):
        return {c: labels.label("method", c) for c in choices}
    if name in CHOICE_WORDS:
        return {k: _(v) for k, v in CHOICE_WORDS[name].items()}
    text = _description(f)
    pairs = dict(re.findall(r"([A-Za-z_]\w*)\s*=\s*([^、,，；]+)", text))
    if pairs:
        return {k: _(v.strip()) for k, v in pairs.items()}
    if "：" in text:
        parts = text.split("：", 1)[1].split("、")
        if len(parts) == len(choices):
            return {str(c): _(p.strip()) for c, p in zip(choices, parts, strict=True)}
    return {}


def _choices(name: str, f: fields.Field, holder: fields.Field) -> list[tuple[str, str]]:
    one_of = _validator(f, OneOf)
    choices = list(one_of.choices) if one_of else []
    words = _option_words(name, holder, choices)
    return [(str(c), words.get(str(c), str(c))) for c in choices]


def kind_of(name: str, f: fields.Field) -> str:
    description = _description(f)
    if isinstance(f, fields.List):
        inner = f.inner
        if isinstance(inner, fields.Nested):
            return "rows"
        if isinstance(inner, fields.Integer) and PERSON_MARK in description:
            return "people"
        if _validator(inner, OneOf):
            return "checks"
        return "list"
    if isinstance(f, fields.Boolean):
        return "check"
    if _validator(f, OneOf):
        return "select"
    if isinstance(f, fields.Integer) and PERSON_MARK in description:
        return "person"
    if isinstance(f, fields.Integer | fields.Float):
        return "number"
    if UPLOAD_MARK in description:
        return "upload"
    length = _validator(f, Length)
    if length is not None and (length.max or 0) > 200:
        return "textarea"
    return "text"


def _display(kind: str, value: Any) -> Any:
    if kind == "number" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "list" and isinstance(value, list):
        return "，".join(str(v) for v in value)
    return value


def _default(f: fields.Field) -> Any:
    default = f.load_default
    if default is None or callable(default) or default is fields.missing_:
        return None
    return default


def widgets(schema: type[Schema] | Schema, values: dict[str, Any] | None,
            prefix: str = "") -> list[Widget]:
    """The inputs of a fields schema, filled with ``values`` (a re-post) or defaults."""
    instance = schema() if isinstance(schema, type) else schema
    values = values if isinstance(values, dict) else {}
    out = []
    for name, f in instance.fields.items():
        path = f"{prefix}{name}"
        kind = kind_of(name, f)
        value = values.get(name, _default(f))
        w = Widget(name=name, path=path, kind=kind, required=f.required,
                   label=label_of(name, f, has_options=kind in ("select", "checks")),
                   value=_display(kind, value))
        if kind == "select":
            w.options = _choices(name, f, f)
        elif kind == "checks":
            w.options = _choices(name, f.inner, f)  # type: ignore[attr-defined]
            w.value = value if isinstance(value, list) else []
        elif kind == "number":
            limits = _validator(f, Range)
            if limits is not None:
                w.minimum, w.maximum = limits.min, limits.max
            w.step = "1" if isinstance(f, fields.Integer) else "any"
        elif kind in ("text", "textarea", "upload"):
            length = _validator(f, Length)
            w.max_length = length.max if length is not None else None
        elif kind == "rows":
            nested = f.inner.schema  # type: ignore[attr-defined]
            length = _validator(f, Length)
            w.min_items = int(length.min or 0) if length is not None else 0
            rows = value if isinstance(value, list) else []
            count = max(len(rows), w.min_items, 1)
            w.rows = [widgets(nested, rows[i] if i < len(rows) else {}, f"{path}.{i}.")
                      for i in range(count)]
            w.template = widgets(nested, {}, f"{path}.{ROW_SLOT}.")
        elif kind == "people":
            w.value = [v for v in value if isinstance(v, int)] \
                if isinstance(value, list) else []
        out.append(w)
    return out


# -- posted form → the ``fields`` body ------------------------------------------------

def _number(text: str, *, integer: bool) -> Any:
    cleaned = text.replace("，", ".").replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return text  # the schema names the field and says what is wrong
    if not math.isfinite(number):
        return text
    if integer:
        return int(number) if number.is_integer() else number
    return number


def _row_indices(form: MultiDict[str, str], path: str) -> list[int]:
    pattern = re.compile(re.escape(path) + r"\.(\d+)\.")
    return sorted({int(m.group(1)) for key in form if (m := pattern.match(key))})


def parse(schema: type[Schema] | Schema, form: MultiDict[str, str], prefix: str = ""
          ) -> dict[str, Any]:
    """The ``fields`` body from a posted form; blanks are left out so "required" and the
    schema's defaults speak (a blank number with a default takes the default)."""
    instance = schema() if isinstance(schema, type) else schema
    out: dict[str, Any] = {}
    for name, f in instance.fields.items():
        path = f"{prefix}{name}"
        kind = kind_of(name, f)
        if kind == "check":
            out[name] = path in form
            continue
        if kind == "rows":
            rows = []
            for index in _row_indices(form, path):
                row = parse(f.inner.schema, form, f"{path}.{index}.")  # type: ignore[attr-defined]
                if any(v not in (None, "", False) for v in row.values()):
                    rows.append(row)
            out[name] = rows
            continue
        if kind in ("checks", "people"):
            picked = [v.strip() for v in form.getlist(path) if v.strip()]
            out[name] = [_number(v, integer=True) for v in picked] if kind == "people" \
                else picked
            continue
        raw = (form.get(path) or "").strip()
        if kind == "list":
            out[name] = [s for s in re.split(r"[,，;；、\n]+", raw) if s.strip()]
            continue
        if not raw:
            default = _default(f)
            if kind == "number" and default is not None:
                out[name] = default
            continue
        if kind in ("number", "person") or (kind == "select" and
                                            isinstance(f, fields.Integer | fields.Float)):
            out[name] = _number(raw, integer=not isinstance(f, fields.Float))
        else:
            out[name] = raw
    return out


def paths(items: list[Widget]) -> list[str]:
    """Every input path of a widget list, rows included (for placing errors)."""
    found = []
    for w in items:
        found.append(w.path)
        for row in w.rows:
            found.extend(paths(row))
    return found
