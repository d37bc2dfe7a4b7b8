"""Errors from every layer, put next to the form field they are about.

Marshmallow reports nested dicts (``{"fields": {"method": [...]}}``), the domain and the
engine dotted paths (``workers.1``, ``readings.0.value``, ``items.purged``). Both become
dotted paths, then each path is resolved to a field of the page; what resolves to no field
is shown at the top of the form, so no message is ever lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

TOP = "_form"

#: validator messages people meet often, in their language
KNOWN = {
    "Missing data for required field.": _l("必填"),
    "required": _l("必填"),
    "Field may not be null.": _l("必填"),
    "Not a valid integer.": _l("请填写整数"),
    "Not a valid number.": _l("请填写数字"),
    "Not a valid datetime.": _l("请填写日期和时间"),
    "Not a valid string.": _l("请填写文字"),
    "Unknown field.": _l("多余的字段"),
    "unknown field for this form": _l("多余的字段"),
    "Not a valid boolean.": _l("请选择是或否"),
}


#: validator messages with numbers in them: pattern → words (the numbers kept)
PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^Shorter than minimum length (\d+)\.$"),
     lambda m: _("至少填写 %(n)s 个字", n=m.group(1))),
    (re.compile(r"^Longer than maximum length (\d+)\.$|^.* is too long$"),
     lambda m: _("内容太长")),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: _("长度应在 %(lo)s 到 %(hi)s 之间", lo=m.group(1), hi=m.group(2))),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     lambda m: _("应在 %(lo)s 到 %(hi)s 之间", lo=m.group(1), hi=m.group(2))),
    (re.compile(r"^.* is less than the minimum of (\S+)$"),
     lambda m: _("不能小于 %(n)s", n=m.group(1))),
    (re.compile(r"^.* is greater than the maximum of (\S+)$"),
     lambda m: _("不能大于 %(n)s", n=m.group(1))),
    (re.compile(r"^.* is not of type 'integer'$"), lambda m: _("请填写整数")),
    (re.compile(r"^.* is not of type 'number'$"), lambda m: _("请填写数字")),
    (re.compile(r"^.* is not one of \[.*\]$|^Must be one of: .*\.$"),
     lambda m: _("请从列表中选择")),
    (re.compile(r"^\[\] should be non-empty$"), lambda m: _("至少填写一行")),
]


def humanize(message: Any) -> str:
    """A validator's message in the reader's words; domain messages pass unchanged."""
    text = str(message)
    known = KNOWN.get(text)
    if known is not None:
        return str(known)
    for pattern, words in PATTERNS:
        match = pattern.match(text)
        if match:
            return words(match)
    return text


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages (or a flat dotted dict) → dotted path → messages."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key)
            path = prefix if name == "_schema" and prefix else (
                f"{prefix}.{name}" if prefix else name)
            for sub, texts in flatten(value, path).items():
                out.setdefault(sub, []).extend(texts)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            out.setdefault(prefix or TOP, []).extend(messages)
        else:
            for item in messages:
                for sub, texts in flatten(item, prefix).items():
                    out.setdefault(sub, []).extend(texts)
    elif messages is not None:
        out.setdefault(prefix or TOP, []).append(str(messages))
    return out


def place(errors: dict[str, list[str]], resolve: Callable[[str], str | None]
          ) -> dict[str, list[str]]:
    """Field name → human messages; unresolved paths go under :data:`TOP`."""
    placed: dict[str, list[str]] = {}
    for path, texts in errors.items():
        field = resolve(path) or TOP
        bucket = placed.setdefault(field, [])
        for text in texts:
            shown = humanize(text)
            if field == TOP and path not in (TOP, "_schema", "(form)"):
                shown = f"{path}: {shown}"
            bucket.append(shown)
    return placed


def longest_prefix(paths: Iterable[str]) -> Callable[[str], str | None]:
    """A resolver to the deepest known path that is a prefix of the error's path."""
    known = set(paths)

    def resolve(path: str) -> str | None:
        parts = path.split(".")
        for n in range(len(parts), 0, -1):
            candidate = ".".join(parts[:n])
            if candidate in known:
                return candidate
        return None

    return resolve
