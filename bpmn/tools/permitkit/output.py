"""Writing a generator's files, and the command line every ``gen_<type>.py`` shares.

A generator builds its :class:`~.model.Process`, names its layout and decision tables,
and calls :func:`write_all`; ``python bpmn/tools/gen_<type>.py`` rewrites the files in
``bpmn/`` and prints their paths. The test ``tests/bpmn_raw/test_generators_reproduce.py``
runs every generator and requires the committed files byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .bpmn_xml import build_bpmn, write_xml
from .dmn import Decision, build_dmn
from .layout import Layout, LayoutError
from .model import Process

BPMN_DIR = Path(__file__).resolve().parents[2]
REPO = BPMN_DIR.parent
RULES_DATA = REPO / "processes" / "rules" / "data"


def write_all(process: Process, layout: Callable[[Process], Layout],
              decisions: list[Decision], exporter: str,
              folder: Path = BPMN_DIR) -> list[Path]:
    """Check the process and its drawing, then write the BPMN, its DMN files and its forms
    (``<folder>/forms/<key>.<task>.schema.json``); return the paths written."""
    process.check()
    drawn = layout(process)
    problems = drawn.problems()
    if problems:
        raise LayoutError("\n".join(problems))
    called = {n.decision for n in process.nodes.values() if n.decision}
    assert called == {d.id for d in decisions}, (called, [d.id for d in decisions])
    written = [folder / f"{process.key}.bpmn"]
    write_xml(build_bpmn(process, drawn, exporter), written[0])
    for decision in decisions:
        path = folder / f"{decision.id}.dmn"
        write_xml(build_dmn(decision, exporter), path)
        written.append(path)
    (folder / "forms").mkdir(exist_ok=True)
    for node in process.nodes.values():
        if node.kind == "userTask":
            path = folder / "forms" / f"{process.key}.{node.id}.schema.json"
            path.write_text(json.dumps(node.form, ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
            written.append(path)
    return written


def rules_data(name: str) -> dict:
    """A file of ``processes/rules/data``: the one source the rules and the forms share."""
    return json.loads((RULES_DATA / name).read_text(encoding="utf-8"))


def main(generate: Callable[[], list[Path]]) -> None:
    for path in generate():
        print(path)
