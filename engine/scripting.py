"""The restricted script environment: every expression and script SpiffWorkflow evaluates.

SpiffWorkflow evaluates gateway conditions, DMN cells, service parameters, timer
expressions and script tasks with plain ``eval``/``exec``. Swapping builtins alone is
escapable (see shared/notes/spiffworkflow.md §2), so code is compiled with RestrictedPython
and run with its guards: no imports, no dunder access, no I/O builtins. The same checks run
at deploy time (:func:`check_source`) so a bad diagram is refused before it can run.
RestrictedPython bounds neither CPU nor memory: scripts must stay trivial, real logic
belongs in service operators and DMN.
"""

from __future__ import annotations

import ast
import copy
import json
import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .errors import ScriptPolicyError

#: builtins a script may call, beyond RestrictedPython's safe set.
_EXTRA_BUILTINS: dict[str, Any] = {
    name: getattr(__import__("builtins"), name)
    for name in ("min", "max", "sum", "any", "all", "sorted", "enumerate", "reversed",
                 "dict", "list", "set", "frozenset", "map", "filter")
}

#: names refused at deploy time even where RestrictedPython would only fail at run time.
FORBIDDEN_NAMES = frozenset({
    "open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars",
    "getattr", "setattr", "delattr", "input", "breakpoint", "help", "memoryview",
    "exit", "quit", "type", "object", "super", "classmethod", "staticmethod", "property",
})

_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "|=": operator.ior, "&=": operator.iand,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    try:
        return _INPLACE[op](target, value)
    except KeyError:
        raise ScriptPolicyError(f"operator {op} is not allowed") from None


def _builtins() -> dict[str, Any]:
    builtins = dict(safe_builtins)  # a copy: never mutate RestrictedPython's shared dict
    builtins.update(_EXTRA_BUILTINS)
    for name in FORBIDDEN_NAMES:
        builtins.pop(name, None)
    return builtins


_GUARDS: dict[str, Any] = {
    "__builtins__": _builtins(),
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_print_": None,
}


def check_source(source: str, *, mode: str = "eval") -> list[str]:
    """Every policy problem in a script (``exec``) or expression (``eval``); empty if fine."""
    problems: list[str] = []
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return [f"syntax error at line {exc.lineno}: {exc.msg}"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            problems.append(f"line {node.lineno}: imports are not allowed")
        elif isinstance(node, ast.Name) and (node.id in FORBIDDEN_NAMES or node.id.startswith("_")):
            problems.append(f"line {node.lineno}: name {node.id!r} is not allowed")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            problems.append(f"line {node.lineno}: attribute {node.attr!r} is not allowed")
        elif isinstance(node, ast.Global | ast.Nonlocal | ast.ClassDef | ast.AsyncFunctionDef
                        | ast.Lambda | ast.FunctionDef | ast.Try | ast.With | ast.Raise):
            problems.append(f"line {node.lineno}: {type(node).__name__} is not allowed")
    if not problems:
        compiled = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
        problems.extend(compiled.errors)
    return problems


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> Any:
    problems = check_source(source, mode=mode)
    if problems:
        # Not a SyntaxError on purpose: SpiffWorkflow's error formatter crashes on those.
        raise ScriptPolicyError("; ".join(problems))
    compiled = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
    return compiled.code


class RestrictedEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment whose code is compiled by RestrictedPython and run with guards."""

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        code = _compile(expression.strip(), "eval")
        scope = dict(_GUARDS)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        code = _compile(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        before = set(context)
        scope = dict(_GUARDS)
        scope.update(external_context or {})
        scope.update(context)
        exec(code, scope)
        for key, value in scope.items():
            if key in _GUARDS or (external_context and key in external_context):
                continue
            if key in before or not callable(value):
                context[key] = value
        return True


ServiceCall = Callable[[Any, str, dict[str, Any]], Any]


class ScriptEngine(PythonScriptEngine):
    """The engine-level script engine: restricted code plus service-operator dispatch.

    ``call_service`` is overridden here, not on the environment: the library's own error
    path for environment services raises ``NameError`` (notes §2).
    """

    def __init__(self, call: ServiceCall):
        super().__init__(environment=RestrictedEnvironment())
        self._call = call

    def call_service(self, task: Any, operation_name: str,  # type: ignore[override]
                     operation_params: dict[str, dict[str, Any]]) -> str:
        params = {name: copy.deepcopy(p["value"]) for name, p in operation_params.items()}
        result = self._call(task, operation_name, params)
        return json.dumps({} if result is None else result, default=str)
