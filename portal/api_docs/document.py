"""The description (openapi.json beside this module) and its reading for the HTML page.

The page shows every operation with its parameters, bodies, answers and codes as plain
tables, so ``operations()`` turns each schema into rows (a field, its type, whether it is
required, what it means and its constraints), resolving ``$ref``s and listing documented
codes (``oneOf`` of ``const``s with a title) as code tables.
"""

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

PATH = Path(__file__).with_name("openapi.json")
METHODS = ("get", "put", "post", "delete", "patch")
MAX_DEPTH = 6


@functools.cache
def raw() -> bytes:
    """The file's bytes, served as they are."""
    return PATH.read_bytes()


@functools.cache
def load() -> dict:
    return json.loads(raw())


def resolve(document: dict, node: dict) -> tuple[dict, str | None]:
    """(the node behind a local $ref, the referenced component's name), or (node, None)."""
    name = None
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"]
        name = pointer.rsplit("/", 1)[-1]
        node = _at(document, pointer)
    return node, name


def _at(document: dict, pointer: str) -> dict:
    node = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# --- schemas as rows ----------------------------------------------------------------------


@dataclass
class Code:
    value: object
    title: str
    description: str


@dataclass
class Row:
    name: str
    type: str
    required: bool
    description: str
    constraints: list[str]
    depth: int
    codes: list[Code] = field(default_factory=list)


def schema_rows(document: dict, schema: dict | None, name: str = "(body)") -> list[Row]:
    """A schema as rows: the top level, then its fields, items and alternatives."""
    if schema is None:
        return []
    rows: list[Row] = []
    _rows(document, schema, name, True, 0, rows, frozenset())
    return rows


def _rows(document, schema, name, required, depth, rows, seen) -> None:
    node, ref_name = resolve(document, schema)
    if ref_name in seen or depth > MAX_DEPTH:
        rows.append(Row(name, ref_name or "…", required, "(see above)", [], depth))
        return
    seen = seen | {ref_name} if ref_name else seen
    codes = _codes(document, node)
    description = schema.get("description") or node.get("description") or ""
    title = node.get("title") or ref_name or ""
    rows.append(
        Row(name, type_text(document, node, title), required, description,
            constraints(document, node), depth, codes)
    )  # fmt: skip
    if codes:
        return
    for key, child in node.get("properties", {}).items():
        _rows(document, child, key, key in node.get("required", ()), depth + 1, rows, seen)
    if node.get("type") == "array" and "items" in node:
        _rows(document, node["items"], f"{name}[]", True, depth + 1, rows, seen)
    for keyword in ("oneOf", "anyOf"):
        options = node.get(keyword, [])
        if any(_is_structured(document, option) for option in options):
            for index, option in enumerate(options, 1):
                _rows(document, option, f"option {index}", False, depth + 1, rows, seen)


def _is_structured(document: dict, schema: dict) -> bool:
    """An alternative with fields or items of its own (scalars fit in the type column)."""
    node, _ = resolve(document, schema)
    return node.get("type") in ("object", "array") or bool(_codes(document, node))


def _codes(document: dict, node: dict) -> list[Code]:
    """The documented codes of a ``oneOf`` of ``const``s (also behind allOf/$ref)."""
    for part in [node, *node.get("allOf", [])]:
        part, _ = resolve(document, part)
        options = part.get("oneOf", [])
        if options and all("const" in o for o in options):
            return [Code(o["const"], o.get("title", ""), o.get("description", "")) for o in options]
    return []


def type_text(document: dict, node: dict, title: str = "") -> str:
    if "const" in node:
        return f"{json.dumps(node['const'])} (constant)"
    if "enum" in node:
        return "one of " + ", ".join(json.dumps(v) for v in node["enum"])
    if _codes(document, node):
        return "code (see the table)"
    if "allOf" in node:
        return " and ".join(type_text(document, resolve(document, p)[0]) for p in node["allOf"])
    if "not" in node:
        return "not " + type_text(document, node["not"])
    for keyword, word in (("oneOf", " or "), ("anyOf", " or ")):
        if keyword in node:
            names = []
            for option in node[keyword]:
                resolved, ref_name = resolve(document, option)
                names.append(resolved.get("title") or ref_name or type_text(document, resolved))
            return word.join(names)
    kind = node.get("type", "any")
    if kind == "array" and "items" in node:
        items, ref_name = resolve(document, node["items"])
        return f"array of {items.get('title') or ref_name or type_text(document, items)}"
    if kind == "object" and title:
        return f"object ({title})"
    return kind if isinstance(kind, str) else " or ".join(kind)


CONSTRAINTS = (
    ("pattern", "pattern {}"),
    ("format", "format {}"),
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("minItems", "at least {} items"),
    ("maxItems", "at most {} items"),
)


def constraints(document: dict, node: dict) -> list[str]:
    found = [text.format(node[key]) for key, text in CONSTRAINTS if key in node]
    for option in node.get("anyOf", []) + node.get("oneOf", []):
        option, _ = resolve(document, option)
        if not _is_structured(document, option):
            found += [f"{option.get('type', '')}: {c}" for c in constraints(document, option)]
    return found


# --- operations ---------------------------------------------------------------------------


@dataclass
class Parameter:
    name: str
    location: str
    required: bool
    type: str
    description: str
    constraints: list[str]


@dataclass
class Answer:
    status: str
    description: str
    headers: list[Parameter]
    rows: list[Row]
    examples: list[tuple[str, str]]


@dataclass
class Operation:
    id: str
    tag: str
    method: str
    path: str
    summary: str
    description: str
    security: list[str]
    parameters: list[Parameter]
    body: list[Row]
    body_required: bool
    jwt_data: list[Row]
    jwt_data_name: str
    answers: list[Answer]


def operations(document: dict | None = None) -> list[Operation]:
    """Every operation, in the order of the file."""
    document = document or load()
    found = []
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                found.append(_operation(document, path, method, item[method]))
    return found


def _operation(document: dict, path: str, method: str, spec: dict) -> Operation:
    body, body_required = [], False
    if "requestBody" in spec:
        request_body, _ = resolve(document, spec["requestBody"])
        body_required = request_body.get("required", False)
        body = schema_rows(document, _json_schema(request_body))
    data_pointer = spec.get("x-jwt-data")
    jwt_data = schema_rows(document, {"$ref": data_pointer}, "(data)") if data_pointer else []
    security = spec.get("security", document.get("security", []))
    return Operation(
        id=spec["operationId"],
        tag=(spec.get("tags") or [""])[0],
        method=method.upper(),
        path=path,
        summary=spec.get("summary", ""),
        description=spec.get("description", ""),
        security=[name for requirement in security for name in requirement],
        parameters=[_parameter(document, p) for p in spec.get("parameters", [])],
        body=body,
        body_required=body_required,
        jwt_data=jwt_data,
        jwt_data_name=data_pointer.rsplit("/", 1)[-1] if data_pointer else "",
        answers=[_answer(document, s, a) for s, a in spec["responses"].items()],
    )


def _json_schema(holder: dict) -> dict | None:
    media = holder.get("content", {}).get("application/json")
    return media.get("schema") if media else None


def _parameter(document: dict, spec: dict, name: str | None = None, location="") -> Parameter:
    spec, _ = resolve(document, spec)
    schema, _ = resolve(document, spec.get("schema", {}))
    return Parameter(
        name=name or spec["name"],
        location=location or spec["in"],
        required=spec.get("required", False),
        type=type_text(document, schema),
        description=spec.get("description", ""),
        constraints=constraints(document, schema),
    )


def _answer(document: dict, status: str, spec: dict) -> Answer:
    spec, _ = resolve(document, spec)
    media = spec.get("content", {}).get("application/json", {})
    examples = [
        (example.get("summary", name), json.dumps(example["value"], indent=2, ensure_ascii=False))
        for name, example in media.get("examples", {}).items()
    ]
    if "example" in media:
        examples.append(("example", json.dumps(media["example"], indent=2, ensure_ascii=False)))
    return Answer(
        status=status,
        description=spec.get("description", ""),
        headers=[_parameter(document, h, n, "header") for n, h in spec.get("headers", {}).items()],
        rows=schema_rows(document, media.get("schema")),
        examples=examples,
    )
