"""The modeler: edit the latest version (or your draft) in bpmn-js; validate, save, deploy."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import DeployError, Draft, ProcessDefinition, db, drafts
from engine.deploy import decisions_in
from processes.errors import ValidationFailed
from processes.people import ROLES

from ... import get_engine
from ...api.designer import draft_view, operators, save_draft
from .. import bp
from ..display import local_dt
from . import _designer, vendor_files


def _uploads() -> list[tuple[str, bytes]]:
    files = [(f.filename or "", f.read()) for f in request.files.getlist("files")]
    if not files:
        raise ValidationFailed({"files": [_("请选择 .bpmn 文件")]})
    return files


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def panel_strings() -> dict[str, str]:
    """The modeler's own labels in the page's language, keyed by bpmn-js's English text.

    bpmn-js, its properties panel and permitflow's provider all ask the ``translate``
    service; the page hands it these (web/static/js/src/translate.js).
    """
    return {
        # permitflow's provider
        "Service operator": _("服务操作"), "Operator": _("服务操作标识"),
        "Operator parameters": _("操作参数"), "Result variable": _("结果变量"),
        "The task data key that receives the operator's answer":
            _("接收操作结果的任务数据键"),
        "Use letters, digits and _ only": _("只能使用字母、数字和下划线"),
        "Parameters it takes: {names}": _("需要的参数：{names}"),
        "The server has no operator of this name": _("服务器没有这个名称的操作"),
        "Type": _("类型"), "e.g. int, str, any": _("如 int、str、any"),
        "Value (expression)": _("值（表达式）"),
        "A Python expression on the task data: quote literal text":
            _("基于任务数据的 Python 表达式：文字须加引号"),
        "A parameter needs a name": _("参数须有名称"), "(unnamed)": _("（未命名）"),
        "(none)": _("（无）"), "(unknown here)": _("（此处未知）"),
        "Permit step": _("作业票步骤"), "Form (JSON Schema file)": _("表单（JSON Schema 文件）"),
        "Upload a new form file with the diagram to offer it here":
            _("新表单文件须随流程图一起上传，才会出现在这里"),
        "Mandatory": _("必做步骤"),
        "Counts in the compliance rate; skipping it needs an audited override":
            _("计入合规率；跳过须经审计的越权操作"),
        "Skippable": _("可跳过"), "May be skipped by an audited override":
            _("可经审计的越权操作跳过"),
        "Approval step": _("审批步骤"),
        "Counts toward the limit of four approvals in a row": _("计入连续审批不超过四级的限制"),
        "Countersigning department": _("会签部门"), "Lane role": _("泳道角色"),
        "Role": _("角色"), "Only people with this role may complete the lane's tasks":
            _("只有具备此角色的人可以办理本泳道的任务"),
        "Decision table": _("调用的决策表"), "Decision (DMN)": _("决策（DMN）"),
        "Message": _("消息"), "Message variable": _("消息变量"),
        "The task data key that receives the message's payload": _("接收消息内容的任务数据键"),
        # bpmn-js and its properties panel
        "General": _("常规"), "Name": _("名称"), "ID": _("标识"),
        "Documentation": _("说明文档"), "Element documentation": _("元素说明"),
        "Process documentation": _("流程说明"), "Process name": _("流程名称"),
        "Process ID": _("流程标识"), "Executable": _("可执行"), "Value": _("值"),
        "Create new list item": _("新增一项"), "Delete item": _("删除此项"),
        "Toggle section": _("展开/收起"), "Delete": _("删除"),
        "Change element": _("更改元素类型"), "Append task": _("追加任务"),
        "Append end event": _("追加结束事件"), "Append gateway": _("追加网关"),
        "Append intermediate/boundary event": _("追加中间/边界事件"),
        "Connect to other element": _("连接到其他元素"), "Add text annotation": _("添加注释"),
        "Activate hand tool": _("抓手工具"), "Activate lasso tool": _("套索工具"),
        "Activate create/remove space tool": _("插入/删除空间工具"),
        "Activate global connect tool": _("连线工具"), "Create start event": _("创建开始事件"),
        "Create intermediate/boundary event": _("创建中间/边界事件"),
        "Create end event": _("创建结束事件"), "Create gateway": _("创建网关"),
        "Create task": _("创建任务"), "Create expanded sub-process": _("创建展开的子流程"),
        "Create pool/participant": _("创建池/参与者"), "Create group": _("创建分组"),
        "Create data object reference": _("创建数据对象"),
        "Create data store reference": _("创建数据存储"),
        "Add lane above": _("上方添加泳道"), "Add lane below": _("下方添加泳道"),
        "Divide into two lanes": _("分为两条泳道"), "Divide into three lanes": _("分为三条泳道"),
    }


def _modeler_page(key: str, latest: ProcessDefinition, *, xml: str, draft: Draft | None,
                  problems: list[dict[str, Any]], status: int = 200) -> Any:
    """The modeler with the choices its properties panel offers, and the draft's banner."""
    files = list(latest.files) + (list(draft.files) if draft is not None else [])
    forms = sorted({f["name"] for f in files if f["kind"] == "form"})
    decisions: dict[str, str] = {}
    for f in files:
        if f["kind"] == "dmn":
            decisions.update(dict(decisions_in(f["content"])))
    companions = [f for f in draft.files if f["kind"] != "bpmn"] if draft is not None else []
    data = {"xml": xml, "companions": companions,
            "permitflow": {"operators": operators(), "roles": list(ROLES), "forms": forms,
                           "decisions": [{"id": i, "name": n} for i, n in decisions.items()],
                           "strings": panel_strings()}}
    dmn_files = sorted(f["name"] for f in latest.files if f["kind"] == "dmn")
    return render_template("console/modeler.html", key=key, definition=latest,
                           vendor=vendor_files(), problems=problems, diagram_data=data,
                           draft=draft_view(draft) if draft is not None else None,
                           draft_companions=[f["name"] for f in companions],
                           dmn_files=dmn_files), status


@bp.get("/console/modeler/<key>")
@login_required
def console_modeler(key: str) -> Any:
    """Edit the latest version (or your draft of it) in the browser, validate, deploy."""
    person = _designer()
    latest = get_engine().definition(db.session, key)
    draft = drafts.get(db.session, key, person.username)
    return _modeler_page(key, latest, xml=draft.bpmn_xml if draft else latest.bpmn_xml,
                         draft=draft, problems=[])


@bp.post("/console/modeler/<key>/validate")
@login_required
def console_validate(key: str) -> Any:
    """The modeler's validate button: located problems, nothing stored."""
    _designer()
    problems = [p.as_dict() for p in get_engine().check(_uploads(), session=db.session)]
    return jsonify(ok=not any(p["severity"] == "error" for p in problems), problems=problems)


def _refused_page(key: str, person: Any, files: list[tuple[str, bytes]],
                  exc: DeployError) -> Any:
    db.session.rollback()
    problems = [p.as_dict() for p in exc.problems]
    if _wants_json():
        return jsonify(ok=False, problems=problems), 422
    latest = get_engine().definition(db.session, key)
    draft = drafts.get(db.session, key, person.username)
    xml = next((c.decode("utf-8", "replace") for n, c in files if n.endswith(".bpmn")),
               draft.bpmn_xml if draft else latest.bpmn_xml)
    return _modeler_page(key, latest, xml=xml, draft=draft, problems=problems, status=422)


@bp.post("/console/modeler/<key>/deploy")
@login_required
def console_deploy(key: str) -> Any:
    """Deploy the edited diagram (from the modeler or an uploaded file) as a new version.

    The engine deletes the designer's draft of each deployed process.
    """
    person = _designer()
    files = _uploads()
    try:
        rows = get_engine().deploy(db.session, files, actor=person.username,
                                   notes=request.form.get("notes") or None)
    except DeployError as exc:
        return _refused_page(key, person, files, exc)
    db.session.commit()
    versions = {r.key: r.version for r in rows}
    if _wants_json():
        return jsonify(ok=True, versions=versions)
    flash(_("已部署：%(what)s", what=", ".join(f"{k} v{v}" for k, v in versions.items())),
          "success")
    return redirect(url_for("pages.console_processes"))


@bp.post("/console/modeler/<key>/draft")
@login_required
def console_save_draft(key: str) -> Any:
    """Save the edit as your draft of the process: stored, not deployed, not run."""
    person = _designer()
    files = _uploads()
    try:
        row = save_draft(key, person, files)
    except DeployError as exc:
        # the upload is unreadable: the modeler keeps showing what is stored
        return _refused_page(key, person, [], exc)
    saved = _("草稿已保存：%(at)s", at=local_dt(row.saved_at))
    if _wants_json():
        return jsonify(ok=True, draft=draft_view(row), message=saved)
    flash(saved, "success")
    return redirect(url_for("pages.console_modeler", key=key))


@bp.post("/console/modeler/<key>/draft/discard")
@login_required
def console_discard_draft(key: str) -> Any:
    person = _designer()
    if drafts.discard(db.session, key, person.username):
        db.session.commit()
        flash(_("草稿已丢弃"), "success")
    return redirect(url_for("pages.console_modeler", key=key))
