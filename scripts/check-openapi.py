#!/usr/bin/python3
"""docs/openapi.yaml is a valid OpenAPI 3.1 document, and the module's
responses match it. Its schemas and examples are in docs/openapi-schemas.yaml
(itself a valid OpenAPI 3.1 document of components), which it refers to as
"openapi-schemas.yaml#/components/..."; for the checks below the two are
read as one, those references made local.

    scripts/check-openapi.py                      the document only
    scripts/check-openapi.py RESPONSES.jsonl      the document, then every
                                                  response recorded there

The document is checked against the OpenAPI 3.1 schema kept in
t/openapi/oas-3.1-schema.yaml (see t/openapi/README.md), every Schema
Object in it against JSON Schema Draft 2020-12's metaschema, and every
example against the schema of the response it illustrates.

Each recorded response (one JSON object a line, written by call() in
t/lib/Dash/Test.pm: method, path, status, headers, base64 body) must be
described by the document: its path is mapped to a handler through the
<Location> sections of t/conf/*.conf.in, the handler to a path of the
document through the path item's x-handler; the method and the status
must have a response there. The body must then validate against that
response's schema (Draft 2020-12, "#/components/..." resolved in the
document), the Content-Type must be the documented one, every documented
header must be present when it is required and match its schema when it
is there, and a response the document gives no content (304, HEAD) must
have an empty body. Any mismatch fails the run.

With DASH_OPENAPI_COMPLETE=1 (t/run.sh sets it when the whole suite ran),
every response the document describes (path, method, status) must also
have been received at least once, or the run fails: a documented answer no
test provokes is a promise nothing checks. The only ones excused are in
NEVER_PROVOKED below, each with the reason no test can bring it about.

Runs with Debian's python3-jsonschema and python3-yaml (/usr/bin/python3).
"""
import base64
import glob
import json
import os
import re
import sys
from urllib.parse import urlsplit

import jsonschema
import yaml

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DOC_PATH = os.path.join(TOP, "docs", "openapi.yaml")
COMPONENTS_NAME = "openapi-schemas.yaml"
COMPONENTS_PATH = os.path.join(TOP, "docs", COMPONENTS_NAME)
OAS_SCHEMA_PATH = os.path.join(TOP, "t", "openapi", "oas-3.1-schema.yaml")
JSON_TYPE = "application/json; charset=utf-8"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Described responses no test can provoke, (path, method, status) -> why.
# The 500s come only from jansson failing to build or serialize a body:
# out of memory in the child, or (accounts) text that is not UTF-8, which a
# UTF-8 database, as conf/schema.sql's tables are, never returns.
_OOM = "only when jansson cannot build the body (out of memory in the child)"
NEVER_PROVOKED = {
    ("/dashboard/accounts", "get", "500"): _OOM + ", or a database that is not UTF-8",
    ("/dashboard/accounts", "head", "500"): _OOM + ", or a database that is not UTF-8",
    ("/dashboard/stats", "get", "500"): _OOM,
    ("/dashboard/stats", "head", "500"): _OOM,
    ("/dashboard/cache", "delete", "500"): _OOM,
}
Validator = jsonschema.Draft202012Validator


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        # Through JSON so that keys such as 200 become the strings JSON
        # pointers and JSON Schema expect.
        return json.loads(json.dumps(yaml.safe_load(f)))


def pointer(*parts):
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(doc, obj):
    """Follows a Reference Object ("$ref": "#/…") inside the document."""
    seen = 0
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        if not ref.startswith("#/") or seen > 20:
            raise ValueError(f"cannot resolve {ref}")
        obj = doc
        for part in ref[2:].split("/"):
            obj = obj[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
    return obj


def schema_validator(doc, ptr):
    """A validator for the schema at ptr whose "#/components/…" references
    resolve in the document: the document itself is the root schema (its
    OpenAPI members are keywords JSON Schema ignores) with a $ref to ptr."""
    root = dict(doc)
    root["$ref"] = ptr
    return Validator(root)


def error_text(e):
    where = "/".join(str(p) for p in e.absolute_path) or "(the body)"
    return f"at {where}: {e.message[:300]}"


# ---- the document -------------------------------------------------------

def localized(obj):
    """obj with every "openapi-schemas.yaml#/…" reference made "#/…"."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(COMPONENTS_NAME + "#/"):
                v = v[len(COMPONENTS_NAME):]
            out[k] = localized(v)
        return out
    if isinstance(obj, list):
        return [localized(v) for v in obj]
    return obj


def load_document():
    """The two files, each checked against the OpenAPI 3.1 schema, then read
    as one document: (problems, the document)."""
    problems = []
    oas = Validator(load_yaml(OAS_SCHEMA_PATH))
    main_doc = load_yaml(DOC_PATH)
    parts = load_yaml(COMPONENTS_PATH)
    for name, d in (("openapi.yaml", main_doc), (COMPONENTS_NAME, parts)):
        for e in oas.iter_errors(d):
            problems.append(f"{name}: not valid OpenAPI 3.1 " + error_text(e))
    doc = localized(main_doc)
    components = doc.setdefault("components", {})
    for kind, items in parts.get("components", {}).items():
        for name, item in items.items():
            if name in components.get(kind, {}):
                problems.append(f"components/{kind}/{name} is in both files")
            components.setdefault(kind, {})[name] = item
    return problems, doc


def check_document(doc):
    problems = []
    broken = []

    def walk(obj, path):
        if isinstance(obj, dict):
            for k, v in obj.items():
                here = path + (k,)
                # Every reference must lead somewhere: only "#/…" ones are
                # left once the two files are one (load_document).
                if k == "$ref" and isinstance(v, str):
                    try:
                        resolve(doc, {"$ref": v})
                    except (ValueError, KeyError, TypeError):
                        broken.append(f"{pointer(*path)}: the reference {v} leads nowhere")
                is_schema = (k == "schema" and path[:1] in (("paths",), ("components",))) \
                    or path == ("components", "schemas")
                if is_schema and isinstance(v, (dict, bool)):
                    try:
                        Validator.check_schema(v)
                    except jsonschema.SchemaError as e:
                        problems.append(f"{pointer(*here)} is not a Draft 2020-12 schema: "
                                        f"{e.message[:300]}")
                walk(v, here)
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, path + (i,))
    walk(doc, ())
    if broken:
        # The examples' checks below follow references.
        return problems + broken, 0

    # Every example validates against the schema of its media type.
    examples = 0
    for route, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            for status, resp in op.get("responses", {}).items():
                resp_ptr = resp["$ref"] if "$ref" in resp else \
                    pointer("paths", route, method, "responses", status)
                resp = resolve(doc, resp)
                for media, mt in resp.get("content", {}).items():
                    if "schema" not in mt:
                        problems.append(f"{resp_ptr}: {media} has no schema")
                        continue
                    v = schema_validator(doc, resp_ptr + "/" + pointer("content", media, "schema")[2:])
                    named = dict(mt.get("examples", {}))
                    if "example" in mt:
                        named["example"] = {"value": mt["example"]}
                    for name, ex in named.items():
                        ex = resolve(doc, ex)
                        examples += 1
                        for e in v.iter_errors(ex.get("value")):
                            problems.append(f"example {name} of {method.upper()} {route} "
                                            f"{status} {error_text(e)}")
    return problems, examples


# ---- the responses --------------------------------------------------------

def locations():
    """<Location path> → handler, from the test configuration."""
    table = {}
    for conf in sorted(glob.glob(os.path.join(TOP, "t", "conf", "*.conf.in"))):
        with open(conf, encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"<Location\s+\"?([^\s>\"]+)\"?\s*>(.*?)</Location>", text, re.S):
            h = re.search(r"^\s*SetHandler\s+(\S+)", m.group(2), re.M)
            if h:
                table[m.group(1)] = h.group(1)
    return table


def handler_of(path, table):
    """The handler httpd would pick: the longest matching <Location>."""
    best = None
    for loc, handler in table.items():
        base = loc.rstrip("/")
        if path == loc or path == base or path.startswith(base + "/"):
            if best is None or len(loc) > len(best[0]):
                best = (loc, handler)
    return best[1] if best else None


def check_responses(doc, records):
    problems = []
    table = locations()
    routes = {item.get("x-handler"): route for route, item in doc["paths"].items()}
    seen = {}
    for n, rec in enumerate(records, 1):
        method = rec["method"].lower()
        status = str(rec["status"])
        path = urlsplit(rec["path"]).path
        label = f"{rec['method']} {rec['path']} → {status} ({os.path.basename(rec.get('test', '?'))})"
        handler = handler_of(path, table)
        route = routes.get(handler)
        if route is None:
            problems.append(f"{label}: no path of docs/openapi.yaml serves this URL "
                            f"(handler {handler or 'none'})")
            continue
        op = doc["paths"][route].get(method)
        if op is None:
            problems.append(f"{label}: {method.upper()} {route} is not described")
            continue
        if status not in op.get("responses", {}):
            problems.append(f"{label}: status {status} of {method.upper()} {route} is not described")
            continue
        seen[(route, method, status)] = seen.get((route, method, status), 0) + 1
        resp_ref = op["responses"][status]
        resp_ptr = resp_ref["$ref"] if "$ref" in resp_ref else \
            pointer("paths", route, method, "responses", status)
        resp = resolve(doc, resp_ref)
        headers = rec.get("headers", {})
        body = base64.b64decode(rec.get("body", ""))

        for name, h in resp.get("headers", {}).items():
            h = resolve(doc, h)
            value = headers.get(name.lower())
            if value is None:
                if h.get("required"):
                    problems.append(f"{label}: header {name} is missing")
                continue
            if "schema" in h:
                for e in Validator(h["schema"]).iter_errors(value):
                    problems.append(f"{label}: header {name}: {e.message[:200]}")

        content = resp.get("content", {})
        if method == "head" or not content:
            if body:
                problems.append(f"{label}: a body of {len(body)} bytes where none is described")
            continue
        ctype = headers.get("content-type", "")
        media = ctype.split(";")[0].strip().lower()
        if media not in content:
            problems.append(f"{label}: Content-Type {ctype!r} is not described")
            continue
        if media == "application/json" and ctype != JSON_TYPE:
            problems.append(f"{label}: Content-Type {ctype!r}, not {JSON_TYPE!r}")
        try:
            # A text body (the metrics) is checked as one string.
            text = body.decode("utf-8")
            value = json.loads(text) if media == "application/json" else text
        except (UnicodeDecodeError, ValueError) as e:
            problems.append(f"{label}: the body is not {media} ({e})")
            continue
        v = schema_validator(doc, resp_ptr + "/" + pointer("content", media, "schema")[2:])
        for e in v.iter_errors(value):
            problems.append(f"{label}: {error_text(e)}")
    return problems, seen


def main():
    problems, doc = load_document()
    if not problems:
        problems, examples = check_document(doc)
    if problems:
        for p in problems:
            print("check-openapi: docs/openapi.yaml: " + p, file=sys.stderr)
        return 1
    if len(sys.argv) < 2:
        print(f"check-openapi: docs/openapi.yaml and docs/{COMPONENTS_NAME} are valid "
              f"OpenAPI 3.1 ({examples} examples checked)")
        return 0

    with open(sys.argv[1], encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    problems, seen = check_responses(doc, records)
    for p in problems[:50]:
        print("check-openapi: " + p, file=sys.stderr)
    if len(problems) > 50:
        print(f"check-openapi: … and {len(problems) - 50} more", file=sys.stderr)
    described = [(route, m, s) for route, item in doc["paths"].items()
                 for m in METHODS if isinstance(item.get(m), dict)
                 for s in item[m].get("responses", {})]
    unseen = [f"{m.upper()} {r} {s}" for r, m, s in described
              if (r, m, s) not in seen and (r, m, s) not in NEVER_PROVOKED]
    stale = [f"{m.upper()} {r} {s}" for r, m, s in NEVER_PROVOKED
             if (r, m, s) not in described or (r, m, s) in seen]
    print(f"check-openapi: {len(records)} responses checked against docs/openapi.yaml, "
          f"{len(problems)} mismatches; {len(described) - len(unseen)} of the "
          f"{len(described)} described responses seen or excused")
    complete = os.environ.get("DASH_OPENAPI_COMPLETE") == "1"
    if unseen and (complete or os.environ.get("DASH_OPENAPI_VERBOSE")):
        print("check-openapi: never seen: " + ", ".join(unseen),
              file=sys.stderr if complete else sys.stdout)
    if complete and stale:
        # An excuse that no longer holds (the response was seen, or is no
        # longer described) must go, so the list stays true.
        print("check-openapi: excused in NEVER_PROVOKED but seen or not described: "
              + ", ".join(stale), file=sys.stderr)
    if complete and (unseen or stale):
        print("check-openapi: the whole suite must receive every response "
              "docs/openapi.yaml describes at least once: add a test that "
              "provokes it", file=sys.stderr)
        return 1
    if problems:
        print("check-openapi: every response the suite gets must be described by "
              "docs/openapi.yaml: fix the module, or describe the new answer there "
              "(and in docs/api.md)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
