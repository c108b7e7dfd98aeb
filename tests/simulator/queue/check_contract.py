#!/usr/bin/env python3
"""Holds the queue service's real replies against the OpenAPI document docs/api/queue.yaml.

Usage: check_contract.py SPEC PROBE. Runs PROBE (queue_contract_probe), which prints one JSON
line per exchange with the service over mutual TLS, and checks each one:

- the status is one the document lists for the operation;
- the reply's media type is the documented one, and its body follows the documented schema;
- a problem's type is one the document names for that operation and status (in the examples
  of that reply);
- the headers Location, Retry-After and Idempotent-Replayed appear only where documented, with
  documented values, and required ones (Retry-After of 429 and 503) are there; Retry-After of a
  409 comes with request-in-progress only;
- every request the probe calls valid follows the request schema.

Then every documented status of every operation, and every problem type documented for it,
must have been seen, except those in NOT_PRODUCED, each named with the reason. Exits 1 on the
first disagreement, naming it.
"""

import json
import subprocess
import sys

import warnings

import jsonschema
import yaml

# RefResolver is deprecated in newer jsonschema releases than Debian 12's; it still works, and
# the warning would only bury a violation's message.
warnings.filterwarnings("ignore", category=DeprecationWarning)

PROBLEM_BASE = "https://bank.example/problems/queue/"
TRACKED_HEADERS = ("Location", "Retry-After", "Idempotent-Replayed")

# Documented replies the simulator cannot produce: (path, method, status, problem type) and why.
NOT_PRODUCED = {
    ("/v1/tickets/{ticket_id}", "get", "400", "missing-idempotency-key"):
        "a GET carries no Idempotency-Key; the shared BadRequest reply names it for the POSTs",
    ("/v1/assistance-calls/{call_id}", "get", "400", "missing-idempotency-key"):
        "a GET carries no Idempotency-Key; the shared BadRequest reply names it for the POSTs",
}


def fail(message):
    print("contract violation: " + message)
    sys.exit(1)


def resolve(spec, node):
    """Follows $ref within the document until a node without one."""
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"]
        if not pointer.startswith("#/"):
            fail(f"unsupported reference {pointer}")
        node = spec
        for part in pointer[2:].split("/"):
            node = node[part]
    return node


def validator(spec, schema):
    # OpenAPI 3.0 schema objects are JSON Schema draft 4 plus keywords this document does not
    # use; $ref resolves against the whole document.
    resolver = jsonschema.RefResolver.from_schema(spec)
    return jsonschema.Draft4Validator(schema, resolver=resolver)


def first_error(spec, schema, value):
    errors = list(validator(spec, schema).iter_errors(value))
    return errors[0].message if errors else None


def documented_problem_types(spec, media):
    """The problem types a reply's examples name."""
    values = []
    if "example" in media:
        values.append(resolve(spec, media["example"]))
    for example in media.get("examples", {}).values():
        values.append(resolve(spec, example).get("value"))
    return {value["type"][len(PROBLEM_BASE):] for value in values
            if isinstance(value, dict) and value.get("type", "").startswith(PROBLEM_BASE)}


def header_value(schema, text):
    return int(text) if schema.get("type") == "integer" else text


def check_headers(spec, where, response, record, problem_type):
    declared = {name: resolve(spec, header)
                for name, header in resolve(spec, response.get("headers", {})).items()}
    seen = record["headers"]
    for name in TRACKED_HEADERS:
        if name in seen:
            if name not in declared:
                fail(f"{where}: header {name} is not documented for this reply")
            schema = declared[name]["schema"]
            try:
                value = header_value(schema, seen[name])
            except ValueError:
                fail(f"{where}: header {name} is not an integer: {seen[name]!r}")
            error = first_error(spec, schema, value)
            if error:
                fail(f"{where}: header {name}: {error}")
        elif declared.get(name, {}).get("required"):
            fail(f"{where}: required header {name} is missing")
    if record["status"] == 409:
        in_progress = problem_type == "request-in-progress"
        if in_progress != ("Retry-After" in seen):
            fail(f"{where}: Retry-After goes with request-in-progress and only with it")


def main():
    spec_path, probe = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    output = subprocess.run([probe], capture_output=True, text=True, timeout=300, check=False)
    if output.returncode != 0:
        fail(f"probe exited {output.returncode}: {output.stderr}")
    seen = set()
    exchanges = 0
    for line in output.stdout.splitlines():
        record = json.loads(line)
        path, method = record["path"], record["method"]
        operation = spec["paths"].get(path, {}).get(method)
        if operation is None:
            fail(f"{method} {path} is not in the document")
        status = str(record["status"])
        where = f"{method.upper()} {record['url']} {status}"
        if record["status"] == 0:
            fail(f"{method.upper()} {record['url']}: no reply")
        if record["valid_request"] and record["request"]:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            error = first_error(spec, schema, json.loads(record["request"]))
            if error:
                fail(f"the probe's request for {where} is itself invalid: {error}")
        response = operation["responses"].get(status)
        if response is None:
            fail(f"{where}: the document lists no such status for this operation")
        response = resolve(spec, response)
        media_type = record["headers"].get("Content-Type", "").split(";")[0].strip()
        media = response.get("content", {}).get(media_type)
        if media is None:
            fail(f"{where}: media type {media_type!r} is not documented for this reply")
        try:
            reply = json.loads(record["reply"])
        except json.JSONDecodeError:
            fail(f"{where}: reply is not JSON: {record['reply'][:80]!r}")
        error = first_error(spec, media["schema"], reply)
        if error:
            fail(f"{where}: {error}")
        problem_type = None
        if media_type == "application/problem+json":
            problem_type = reply["type"][len(PROBLEM_BASE):]
            if reply["status"] != record["status"]:
                fail(f"{where}: the problem's status is {reply['status']}")
            documented = documented_problem_types(spec, media)
            if problem_type not in documented:
                fail(f"{where}: problem type {problem_type} is not one of {sorted(documented)}")
        check_headers(spec, where, response, record, problem_type)
        seen.add((path, method, status, problem_type))
        exchanges += 1

    expected = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                response = resolve(spec, response)
                problem = response.get("content", {}).get("application/problem+json")
                types = documented_problem_types(spec, problem) if problem else {None}
                for problem_type in types:
                    expected.add((path, method, status, problem_type))
    unknown = set(NOT_PRODUCED) - expected
    if unknown:
        fail(f"NOT_PRODUCED names replies the document does not have: {sorted(unknown)}")
    produced_anyway = set(NOT_PRODUCED) & seen
    if produced_anyway:
        fail(f"NOT_PRODUCED names replies the probe produced: {sorted(produced_anyway)}")
    missing = expected - set(NOT_PRODUCED) - seen
    if missing:
        fail("replies never exercised: " + ", ".join(
            f"{method.upper()} {path} {status} {problem_type or ''}".rstrip()
            for path, method, status, problem_type in sorted(missing, key=str)))
    print(f"{exchanges} exchanges, {len(expected) - len(NOT_PRODUCED)} documented replies and "
          f"problem types, agree with {spec_path} ({len(NOT_PRODUCED)} documented replies the "
          f"simulator cannot produce, named in NOT_PRODUCED)")


if __name__ == "__main__":
    main()
