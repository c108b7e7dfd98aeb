#!/usr/bin/env python3
"""Holds the account service's real replies, and the kiosk client's real request, against the
OpenAPI document docs/api/account.yaml.

Usage: check_contract.py SPEC PROBE. Runs PROBE (contract_probe), which prints one JSON line per
exchange, and checks every request and reply body against the schema the document gives for its
path, method and status. Exits 1 on the first disagreement, naming it.
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


def main():
    spec_path, probe = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)
    request_schema = spec["components"]["schemas"]["BalanceRequest"]
    output = subprocess.run([probe], capture_output=True, text=True, timeout=120, check=False)
    if output.returncode != 0:
        fail(f"probe exited {output.returncode}: {output.stderr}")
    statuses_seen = set()
    client_checked = False
    for line in output.stdout.splitlines():
        record = json.loads(line)
        if record["kind"] == "client_request":
            body = json.loads(record["body"])
            errors = list(schema_validator(spec, request_schema).iter_errors(body))
            if errors:
                fail(f"the kiosk client's request: {errors[0].message}")
            client_checked = True
            continue
        path, method, status = record["path"], record["method"], str(record["status"])
        operation = spec["paths"].get(path, {}).get(method)
        if operation is None:
            fail(f"{method} {path} is not in the document")
        if record["valid_request"] and record["request"]:
            errors = list(schema_validator(spec, request_schema).iter_errors(
                json.loads(record["request"])))
            if errors:
                fail(f"probe request for {path} is itself invalid: {errors[0].message}")
        response = operation["responses"].get(status)
        if response is None:
            fail(f"{method} {path} answered {status}, which the document does not list")
        schema = response["content"]["application/json"]["schema"]
        try:
            reply = json.loads(record["reply"])
        except json.JSONDecodeError:
            fail(f"{method} {path} {status}: reply is not JSON: {record['reply'][:80]!r}")
        errors = list(schema_validator(spec, schema).iter_errors(reply))
        if errors:
            fail(f"{method} {path} {status}: {errors[0].message}")
        statuses_seen.add((path, status))
    expected = {("/v1/balance", s) for s in ["200", "400", "401", "404", "413", "423", "503"]}
    expected |= {("/v1/health", "200"), ("/v1/health", "503")}
    if not expected <= statuses_seen:
        fail(f"replies never exercised: {sorted(expected - statuses_seen)}")
    if not client_checked:
        fail("the kiosk client's request was not captured")
    print(f"{len(statuses_seen)} documented replies and the client's request agree with {spec_path}")


if __name__ == "__main__":
    main()
