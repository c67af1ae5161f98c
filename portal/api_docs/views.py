"""GET /openapi.json (the file, byte for byte) and GET /api-docs (the same, as an HTML page
rendered on the server: no script, no inline style, nothing from a CDN)."""

from flask import Blueprint, current_app, render_template

from portal.api_docs import document

bp = Blueprint("api_docs", __name__)


@bp.get("/openapi.json")
def openapi_json():
    response = current_app.response_class(document.raw(), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"  # integrators' tools may fetch it
    return response


@bp.get("/api-docs")
def api_docs():
    spec = document.load()
    operations = document.operations(spec)
    sections: dict[str, list] = {}
    for operation in operations:
        sections.setdefault(operation.tag, []).append(operation)
    return render_template(
        "api_docs/index.html",
        openapi=spec["openapi"],
        info=spec["info"],
        tags={tag["name"]: tag.get("description", "") for tag in spec.get("tags", [])},
        schemes=spec["components"].get("securitySchemes", {}),
        sections=sections.items(),
    )
