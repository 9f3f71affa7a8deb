"""The whole OpenAPI schema fuzzed by schemathesis, once per role, against production settings.

    ./dev python bench/fuzz_api.py [--max-examples 25] [--roles anonymous,volunteer,…]

A database of its own (`<name>_bench_fuzz`, rebuilt each run: migrated, demo data, one user and
API token per role) behind the web server with DEBUG off. For each role schemathesis generates requests
for every operation and checks each answer: no server error (5xx), the body matches the documented
response schema, the content type is the documented one. Prints per role the operations, requests
and failures by check, and the first few failures; exits 1 when any server error or schema
violation was found.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import _setup
from _server import web

ROLES = ["anonymous", "volunteer", "editor", "owner", "moderator", "coordinator"]
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def fresh_database():
    """Drop and rebuild the fuzz database so that every run starts from the same data."""
    import dj_database_url
    import psycopg

    url = os.environ["DATABASE_URL"].rstrip("/")
    base, _, name = url.rpartition("/")
    fuzz = f"{base}/{name}_bench_fuzz"
    config = dj_database_url.parse(fuzz)
    with psycopg.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
    os.environ["BENCH_DATABASE_URL"] = fuzz
    _setup.bench_database()


def role_tokens() -> dict[str, str]:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from opportunities.models import Opportunity
    from places.models import Membership
    from volunteers import privacy
    from volunteers.models import Purpose, Volunteer

    call_command("load_demo", verbosity=0)
    organization = Opportunity.objects.published().first().organization
    tokens = {}
    for role in ROLES[1:]:
        user = User.objects.create_user(f"{role}@example.org", f"{role}@example.org", "x" * 16)
        if role == "volunteer":
            Volunteer.objects.create(user=user, display_name="ฟัซ", language="th")
            for purpose in (Purpose.ACCOUNT, Purpose.MATCHING):
                privacy.give_consent(user, purpose)
        elif role in ("editor", "owner"):
            Membership.objects.create(user=user, organization=organization, role=role)
        else:
            user.groups.add(Group.objects.get(name=f"{role}s"))
        tokens[role] = Token.objects.create(user=user).key
    return tokens


def run(port, role, token, max_examples, report_dir):
    headers = ["-H", "Host: 127.0.0.1"]
    if token:
        headers += ["-H", f"Authorization: Token {token}"]
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"http://127.0.0.1:{port}/api/v1/schema/",
        "--checks",
        CHECKS,
        "--max-examples",
        str(max_examples),
        "--workers",
        "2",
        "--phases",
        "examples,coverage,fuzzing",
        "--suppress-health-check",
        "all",
        "--continue-on-failure",
        "--request-timeout",
        "30",
        "--report",
        "ndjson",
        "--report-dir",
        str(report_dir),
        "--seed",
        "7",
        *headers,
    ]
    subprocess.run(command, capture_output=True, text=True, check=False)
    [events] = list(Path(report_dir).glob("*.ndjson"))
    return summarize(events)


def summarize(path: Path):
    operations, requests, failures, examples = set(), 0, Counter(), []
    for line in path.read_text().splitlines():
        event = json.loads(line)
        scenario = event.get("ScenarioFinished") or {}
        recorder = scenario.get("recorder") or {}
        label = recorder.get("label")
        if label:
            operations.add(label)
        for interactions in (recorder.get("interactions") or {}).values():
            requests += 1 if interactions.get("response") else 0
        for checks in (recorder.get("checks") or {}).values():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                failures[check["name"]] += 1
                failure = (check.get("failure_info") or {}).get("failure") or {}
                example = f"{label}: {failure.get('title', check['name'])}"
                if example not in examples and len(examples) < 20:
                    examples.append(example)
    return len(operations), requests, failures, examples


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--roles", default=",".join(ROLES))
    args = parser.parse_args()
    fresh_database()
    tokens = {"anonymous": None, **role_tokens()}
    bad = 0
    print(f"{'role':<12} {'operations':>10} {'requests':>9}  failures by check")
    with web(ALLOWED_HOSTS="127.0.0.1", quiet=True) as port:
        for role in args.roles.split(","):
            with tempfile.TemporaryDirectory() as report_dir:
                operations, requests, failures, examples = run(
                    port, role, tokens[role], args.max_examples, report_dir
                )
            summary = ", ".join(f"{k} {v}" for k, v in failures.items()) or "none"
            print(f"{role:<12} {operations:>10} {requests:>9}  {summary}")
            for example in examples:
                print(f"    {example}")
            bad += failures["not_a_server_error"] + failures["response_schema_conformance"]
    print(f"server errors and schema violations: {bad}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
