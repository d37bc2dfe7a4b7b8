"""Input limits for JSON bodies: size, nesting depth, well-formedness.

A body nested thousands deep would make the JSON parser recurse until Python gives up
(a 500); a multi-megabyte JSON body is never a real form. Both are refused with a 400 and a
message before any view reads the body, and so is JSON that does not parse (design §4).
Uploads are multipart and keep the larger ``MAX_CONTENT_LENGTH``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, request

#: defaults; the app config keys JSON_MAX_BYTES / JSON_MAX_DEPTH override them
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64


def nesting_depth(raw: bytes, limit: int) -> int:
    """How deep arrays and objects nest, scanning bytes (strings skipped); stops counting
    once past ``limit`` so a hostile body costs one pass."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _refuse(message: str) -> Any:
    body = {"errors": {"body": [message]}}
    if request.path.startswith("/api/"):
        return jsonify(body), 400
    from flask import render_template

    return render_template("error.html", status=400, errors=body["errors"]), 400


def check_json() -> Any:
    if not request.is_json or request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    max_bytes = current_app.config.get("JSON_MAX_BYTES", MAX_BYTES)
    max_depth = current_app.config.get("JSON_MAX_DEPTH", MAX_DEPTH)
    if (request.content_length or 0) > max_bytes:
        return _refuse(f"请求体过大（上限 {max_bytes // 1024} KB）/ the JSON body is larger "
                       f"than {max_bytes // 1024} KB")
    raw = request.get_data(cache=True)
    if len(raw) > max_bytes:
        return _refuse(f"请求体过大（上限 {max_bytes // 1024} KB）/ the JSON body is larger "
                       f"than {max_bytes // 1024} KB")
    if not raw.strip():
        return None
    # fewer brackets than the limit cannot nest past it: the byte scan is for the rest
    if raw.count(b"[") + raw.count(b"{") > max_depth \
            and nesting_depth(raw, max_depth) > max_depth:
        return _refuse(f"JSON 嵌套过深（上限 {max_depth} 层）/ the JSON nests deeper than "
                       f"{max_depth} levels")
    # parsed once, here: Flask keeps the result for the view's own get_json()
    if request.get_json(silent=True) is not None:
        return None
    import json

    try:
        json.loads(raw)
        return None  # the JSON literal null
    except (ValueError, UnicodeDecodeError) as exc:
        where = (f"第 {exc.lineno} 行第 {exc.colno} 列 / line {exc.lineno} column {exc.colno}"
                 if isinstance(exc, json.JSONDecodeError) else "编码 / encoding")
        return _refuse(f"请求体不是有效的 JSON（{where}）/ the body is not valid JSON")


def init_app(app: Flask) -> None:
    # before the policy: a body too deep to parse must not reach its body-scope reader
    app.before_request_funcs.setdefault(None, []).insert(0, check_json)
