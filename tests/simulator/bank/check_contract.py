#!/usr/bin/env python3
"""Holds the account service's real replies, and the kiosk client's real requests, against the
OpenAPI document docs/api/account.yaml.

Usage: check_contract.py SPEC PROBE. Runs PROBE (contract_probe), which prints one JSON line per
exchange, and checks every request and reply body against the schema the document gives for its
path (as the document writes it: /v1/withdrawals/{transaction}), method and status. Every
status the document lists for every operation must be seen, and each of the
client's calls (the balance call and the preferences change) must be captured. Exits 1 on the
first disagreement, naming it.
"""

import json
import subprocess
import sys

import jsonschema
import yaml


def schema_validator(spec, schema):
    # OpenAPI 3.0 schema objects are JSON Schema draft 4 plus keywords this document does not
    # use; $ref resolves against the whole document.
    resolver = jsonschema.RefResolver.from_schema(spec)
    return jsonschema.Draft4Validator(schema, resolver=resolver)


def fail(message):
    print("contract violation: " + message)
    sys.exit(1)


def operation_of(spec, method, path):
    operation = spec["paths"].get(path, {}).get(method)
    if operation is None:
        fail(f"{method} {path} is not in the document")
    return operation


def request_schema_of(operation):
    return operation["requestBody"]["content"]["application/json"]["schema"]


def resolved(spec, item):
    # A response may be a $ref into components/responses.
    while "$ref" in item:
        node = spec
        for part in item["$ref"].lstrip("#/").split("/"):
            node = node[part]
        item = node
    return item


def documented_replies(spec):
    replies = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            replies |= {(path, method, status) for status in operation["responses"]}
    return replies


def main():
    spec_path, probe = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    output = subprocess.run([probe], capture_output=True, text=True, timeout=120, check=False)
    if output.returncode != 0:
        fail(f"probe exited {output.returncode}: {output.stderr}")
    statuses_seen = set()
    client_calls = set()
    for line in output.stdout.splitlines():
        record = json.loads(line)
        path, method = record["path"], record["method"]
        operation = operation_of(spec, method, path)
        if record["kind"] == "client_request":
            if "requestBody" not in operation:
                client_calls.add((path, method))
                continue
            if not record["body"]:
                fail(f"the kiosk client's {method} {path} was not captured")
            body = json.loads(record["body"])
            errors = list(schema_validator(spec, request_schema_of(operation)).iter_errors(body))
            if errors:
                fail(f"the kiosk client's {method} {path} request: {errors[0].message}")
            client_calls.add((path, method))
            continue
        status = str(record["status"])
        if record["valid_request"] and record["request"] and "requestBody" in operation:
            errors = list(schema_validator(spec, request_schema_of(operation)).iter_errors(
                json.loads(record["request"])))
            if errors:
                fail(f"probe request for {path} is itself invalid: {errors[0].message}")
        response = operation["responses"].get(status)
        if response is None:
            fail(f"{method} {path} answered {status}, which the document does not list")
        response = resolved(spec, response)
        schema = response["content"]["application/json"]["schema"]
        try:
            reply = json.loads(record["reply"])
        except json.JSONDecodeError:
            fail(f"{method} {path} {status}: reply is not JSON: {record['reply'][:80]!r}")
        errors = list(schema_validator(spec, schema).iter_errors(reply))
        if errors:
            fail(f"{method} {path} {status}: {errors[0].message}")
        # The document lets a service leave preferences out; this one always sends them.
        if (path, status) == ("/v1/balance", "200") and "preferences" not in reply:
            fail("the service's ok balance reply carries no preferences")
        statuses_seen.add((path, method, status))
    expected = documented_replies(spec)
    if not expected <= statuses_seen:
        fail(f"replies never exercised: {sorted(expected - statuses_seen)}")
    # Every operation the kiosk's client makes (all but the version 1.1 balance and health).
    expected_calls = {(path, method) for path, method, _ in documented_replies(spec)}
    expected_calls -= {("/v1/balance", "post"), ("/v1/health", "get")}
    if not expected_calls <= client_calls:
        fail(f"the kiosk client's requests not captured: {sorted(expected_calls - client_calls)}")
    print(f"{len(statuses_seen)} documented replies and the client's {len(client_calls)} requests "
          f"agree with {spec_path}")


if __name__ == "__main__":
    main()
