from __future__ import annotations

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_covers_every_api_route(app):
    client = app.test_client()
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    validate(doc)
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = rule.rule.removeprefix("/api/v1")
        for arg in rule.arguments:
            braced = "{" + arg + "}"
            path = path.replace(f"<int:{arg}>", braced).replace(f"<{arg}>", braced)
        path = path.replace("{permit_id}", "{id}").replace("{task_id}", "{id}") \
            .replace("{person_id}", "{id}").replace("{incident_id}", "{id}") \
            .replace("{job_id}", "{id}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if path == "/uploads/{upload_id}":
                continue
            assert (path, method.lower()) in documented, (path, method)


def test_out_of_range_ids_and_values_are_client_errors(plant):
    from tests.api import Api

    admin = Api(plant, "admin")
    assert admin.get("/permits/2209767925769522974294016").status == 404
    r = admin.post("/people", json={"name": "x", "site": "", "roles": []})
    assert r.status == 201, r.json  # an empty site means no site, not a missing one
    contractor = Api(plant, "contractor_admin")
    r = contractor.post("/access-codes", json={"person_id": -92649831767187816448,
                                               "scope": "x", "permit_types": ["hot_work"],
                                               "hours": 1})
    assert r.status in (400, 404, 422), r.json
