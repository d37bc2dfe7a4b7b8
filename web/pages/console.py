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

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import (
    DeployError,
    Draft,
    Incident,
    MigrationRefused,
    ProcessDefinition,
    db,
    drafts,
    instances,
)
from engine.deploy import decision_files, decisions_in
from engine.versions import definition_version, diff_versions
from processes import overrides, permits
from processes.errors import NotAllowed, ValidationFailed
from processes.models import Permit
from processes.people import ROLES

from .. import get_engine
from ..api.designer import decision_view, draft_view, operators, save_draft
from ..api.instances import instance_view
from . import bp
from .auth import me
from .display import local_dt

VENDOR = {"viewer": "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js",
          "modeler": "vendor/bpmn-js/bpmn-modeler.production.min.js",
          "diagram_css": "vendor/bpmn-js/diagram-js.css",
          "bpmn_css": "vendor/bpmn-js/bpmn-js.css",
          "font_css": "vendor/bpmn-js/bpmn-font/css/bpmn-embedded.css",
          # bpmn-js + properties panel + our spiffworkflow provider (esbuild, vendor.sh)
          "panel": "vendor/permitflow/modeler.js",
          "panel_css": "vendor/permitflow/properties-panel.css",
          "dmn": "vendor/dmn-js/dmn-modeler.production.min.js",
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


@bp.get("/console")
@login_required
def console_processes() -> Any:
    _designer()
    rows = db.session.execute(select(ProcessDefinition).order_by(
        ProcessDefinition.key, ProcessDefinition.version.desc())).scalars().all()
    processes: dict[str, list[ProcessDefinition]] = {}
    for row in rows:
        processes.setdefault(row.key, []).append(row)
    return render_template("console/processes.html", processes=processes,
                           running=instances.counts(db.session))


@bp.get("/console/processes/<key>/instances")
@login_required
def console_instances(key: str) -> Any:
    """Who is on which version and where they wait: the list behind a migration decision."""
    _designer()
    get_engine().definition(db.session, key)  # 404 for an unknown process
    status = request.args.get("status") or "running"
    if status not in instances.STATUSES:
        raise ValidationFailed({"status": [_("状态须为 running、completed 或 cancelled")]})
    version = _int_arg("version")
    rows = instances.listing(db.session, key, version=version, status=status)
    numbers = dict(db.session.execute(select(Permit.instance_id, Permit.number).where(
        Permit.instance_id.in_([r.id for r in rows]))).all()) if rows else {}
    latest = get_engine().definition(db.session, key).version
    return render_template("console/instances.html", key=key, rows=rows, numbers=numbers,
                           version=version, status=status, latest=latest,
                           statuses=instances.STATUSES)


@bp.get("/console/processes/<key>/diff")
@login_required
def console_diff(key: str) -> Any:
    _designer()
    latest = get_engine().definition(db.session, key).version
    to_version = _int_arg("to") or latest
    from_version = _int_arg("from") or max(to_version - 1, 1)
    diff = diff_versions(db.session, key, from_version, to_version).as_dict()
    old = definition_version(db.session, key, from_version)
    new = definition_version(db.session, key, to_version)
    versions = db.session.execute(select(ProcessDefinition.version).where(
        ProcessDefinition.key == key).order_by(ProcessDefinition.version)).scalars().all()
    return render_template("console/diff.html", key=key, diff=diff, versions=versions,
                           vendor=vendor_files(),
                           diagrams={"old": old.bpmn_xml, "new": new.bpmn_xml,
                                     "added": [e["id"] for e in diff["added"]],
                                     "removed": [e["id"] for e in diff["removed"]],
                                     "changed": [e["id"] for e in diff["changed"]]})


@bp.get("/console/processes/<key>/versions/<int:version>/bpmn")
@login_required
def console_download(key: str, version: int) -> Any:
    """The version's BPMN file, for people who edit in a desktop modeler."""
    _designer()
    row = definition_version(db.session, key, version)
    return Response(row.bpmn_xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}.v{version}.bpmn"'})


@bp.post("/console/processes/<key>/versions/<int:version>/redeploy")
@login_required
def console_redeploy(key: str, version: int) -> Any:
    person = _designer()
    row = get_engine().redeploy(db.session, key, version, actor=person.username,
                                notes=request.form.get("notes") or None)
    db.session.commit()
    flash(_("第 %(old)s 版已重新部署为第 %(new)s 版", old=version, new=row.version), "success")
    return redirect(url_for("pages.console_processes"))


@bp.get("/console/instances/<int:instance_id>")
@login_required
def console_instance(instance_id: int) -> Any:
    view = instance_view(instance_id)
    person = me()
    preview = None
    if person.has_role("designer", "admin") and view["status"] == "running":
        latest = get_engine().definition(db.session, view["key"]).version
        if latest != view["version"]:
            preview = get_engine().migration_preview(db.session, instance_id).as_dict()
    return render_template("console/instance.html", view=view, preview=preview,
                           vendor=vendor_files(),
                           diagram_data={"xml": get_engine().get_instance(
                               db.session, instance_id).definition.bpmn_xml,
                               "executed": view["executed"],
                               "current": [c["id"] for c in view["current"]],
                               "taken": view["flows_taken"]})


@bp.post("/console/instances/<int:instance_id>/migrate")
@login_required
def console_migrate(instance_id: int) -> Any:
    person = _designer()
    raw = request.form.get("to_version", "")
    if not raw.isdigit():
        raise ValidationFailed({"to_version": [_("版本号须为正整数")]})
    try:
        plan = get_engine().migrate(db.session, instance_id, to_version=int(raw),
                                    actor=person.username)
    except MigrationRefused as refused:
        db.session.rollback()
        flash(refused.plan.reason or "", "error")
    else:
        db.session.commit()
        flash(_("实例已迁移到第 %(n)s 版", n=plan.to_version), "success")
    return redirect(url_for("pages.console_instance", instance_id=instance_id))


@bp.get("/console/incidents")
@login_required
def console_incidents() -> Any:
    _admin()
    rows = db.session.execute(select(Incident).where(Incident.status == "open")
                              .order_by(Incident.created_at)).scalars().all()
    items = []
    for incident in rows:
        permit = permits.for_instance(db.session, incident.instance_id)
        skippable = permit is None or overrides.incident_skippable(db.session, get_engine(),
                                                                   incident)
        items.append((incident, permit, skippable))
    return render_template("console/incidents.html", items=items)


@bp.post("/console/incidents/<int:incident_id>/retry")
@login_required
def console_retry(incident_id: int) -> Any:
    person = _admin()
    incident = get_engine().retry_incident(db.session, incident_id, actor=person.username)
    db.session.commit()
    if incident.status == "resolved":
        flash(_("重试成功，故障已解决"), "success")
    else:
        flash(_("重试仍然失败：%(error)s", error=incident.error), "error")
    return redirect(url_for("pages.console_incidents"))


@bp.post("/console/incidents/<int:incident_id>/skip")
@login_required
def console_skip(incident_id: int) -> Any:
    """Move on without the failed step, with a reason (audited; permits: skippable steps)."""
    person = _admin()
    reason = (request.form.get("reason") or "").strip()
    if len(reason) < 2:
        raise ValidationFailed({"reason": [_("请填写跳过原因")]})
    overrides.skip_incident(db.session, get_engine(), incident_id, by=person, reason=reason)
    db.session.commit()
    flash(_("已跳过该步骤，流程继续"), "success")
    return redirect(url_for("pages.console_incidents"))


@bp.post("/console/incidents/<int:incident_id>/cancel")
@login_required
def console_cancel(incident_id: int) -> Any:
    """Give up on the failed step: the permit (or bare instance) is cancelled, audited."""
    person = _admin()
    reason = (request.form.get("reason") or "").strip()
    if len(reason) < 2:
        raise ValidationFailed({"reason": [_("请填写取消原因")]})
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        from engine import IncidentNotFound

        raise IncidentNotFound(incident_id)
    permit = permits.for_instance(db.session, incident.instance_id)
    if permit is not None:
        permits.cancel(db.session, get_engine(), permit, by=person, reason=reason)
    else:
        get_engine().cancel(db.session, incident.instance_id, actor=person.username,
                            reason=reason)
    db.session.commit()
    flash(_("已取消"), "success")
    return redirect(url_for("pages.console_incidents"))


# -- the modeler -------------------------------------------------------------------------
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


# -- decision tables ---------------------------------------------------------------------
@bp.get("/console/decisions")
@login_required
def console_decisions() -> Any:
    _designer()
    return render_template("console/decisions.html", files=decision_files(db.session))


def _decision_page(name: str, *, xml: str | None = None,
                   problems: list[dict[str, Any]] | None = None, status: int = 200) -> Any:
    view = decision_view(name, content=True)
    return render_template("console/decision.html", view=view, vendor=vendor_files(),
                           problems=problems or [],
                           decision_data={"xml": xml or view["xml"], "name": name}), status


@bp.get("/console/decisions/<name>")
@login_required
def console_decision(name: str) -> Any:
    """Edit a deployed decision table in dmn-js; deploying it versions its processes."""
    _designer()
    return _decision_page(name)


@bp.get("/console/decisions/<name>/download")
@login_required
def console_decision_download(name: str) -> Any:
    _designer()
    view = decision_view(name, content=True)
    return Response(view["xml"], mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{view["name"]}"'})


def _decision_upload() -> bytes:
    files = _uploads()
    if len(files) != 1:
        raise ValidationFailed({"files": [_("请只选择一个 .dmn 文件")]})
    return files[0][1]


@bp.post("/console/decisions/<name>/validate")
@login_required
def console_decision_validate(name: str) -> Any:
    _designer()
    problems = [p.as_dict() for p in get_engine().check_decision(db.session, name,
                                                                 _decision_upload())]
    return jsonify(ok=not any(p["severity"] == "error" for p in problems), problems=problems)


@bp.post("/console/decisions/<name>/deploy")
@login_required
def console_decision_deploy(name: str) -> Any:
    person = _designer()
    content = _decision_upload()
    try:
        rows = get_engine().deploy_decision(db.session, name, content, actor=person.username,
                                            notes=request.form.get("notes") or None)
    except DeployError as exc:
        db.session.rollback()
        problems = [p.as_dict() for p in exc.problems]
        if _wants_json():
            return jsonify(ok=False, problems=problems), 422
        return _decision_page(name, xml=content.decode("utf-8", "replace"),
                              problems=problems, status=422)
    db.session.commit()
    versions = {r.key: r.version for r in rows}
    if _wants_json():
        return jsonify(ok=True, versions=versions)
    flash(_("已部署：%(what)s", what=", ".join(f"{k} v{v}" for k, v in versions.items())),
          "success")
    return redirect(url_for("pages.console_decision", name=name))
