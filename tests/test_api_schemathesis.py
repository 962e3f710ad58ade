"""Schemathesis against the running API: every operation in /api/v1/openapi.json, with generated
parameters and bodies and a valid token, must answer without a server error and exactly as the
document says (status, content type, body schema).

The app is the HTTP layer the real app mounts in front of Reflex (http_routes() wrapped in the
same middleware), served by uvicorn on a free port on 127.0.0.1, over a migrated SQLite database
holding the demo organisation. The PostgreSQL path is covered by tests/test_api.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from caseapp.api import openapi_document
from tests.conftest import _reset_caches

EXAMPLES = int(os.environ.get("CASEAPP_API_FUZZ_EXAMPLES", "25"))  # per operation


def _free_port() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="module")
def running_api(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[str, dict[str, str]]]:
    """(base URL, {role: token}) of the API served by uvicorn over a copy of the demo data."""
    from caseapp.auth.api_tokens import create_token
    from caseapp.demo import load_demo_data
    from caseapp.routes import SecurityHeaders, UploadSizeLimit, http_routes

    folder = tmp_path_factory.mktemp("api-fuzz")
    shutil.copy(template_db, folder / "caseline.db")
    saved = {k: os.environ.get(k) for k in ("CASEAPP_DATA_DIR", "CASEAPP_DB_URL")}
    os.environ["CASEAPP_DATA_DIR"] = str(folder)
    os.environ.pop("CASEAPP_DB_URL", None)
    _reset_caches()
    load_demo_data()
    from sqlmodel import select

    from caseapp.actor import Actor
    from caseapp.db import session_scope
    from caseapp.models import User

    tokens: dict[str, str] = {}
    for role in ("admin", "volunteer"):
        with session_scope() as db:
            user = db.exec(select(User).where(User.email == f"{role}@example.org")).one()
        tokens[role] = create_token(Actor.of(user), "schemathesis").token

    sock = _free_port()
    port = sock.getsockname()[1]
    # The same layering as caseapp.caseapp's api_transformer, minus Reflex behind it.
    app = SecurityHeaders(UploadSizeLimit(http_routes()))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", tokens
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        _reset_caches()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def api_schema(running_api: tuple[str, dict[str, str]]) -> schemathesis.BaseSchema:
    base_url, _tokens = running_api
    return schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")


# One test per documented operation. (Schemathesis' own pytest integration, from_fixture, reads a
# pytest node attribute that pytest 9 removed, so the operations are driven through hypothesis.)
# (The document's own route is left out: schemathesis skips the URL it loaded the schema from.)
OPERATIONS = sorted((method.upper(), path) for path, ops in openapi_document()["paths"].items()
                    for method in ops if not path.endswith("/openapi.json"))
RUNS: dict[str, Counter[int]] = {}


@pytest.mark.parametrize("role", ["admin", "volunteer"])
@pytest.mark.parametrize("method,path", OPERATIONS)
def test_every_operation_answers_as_documented(method: str, path: str, role: str,
                                               api_schema: schemathesis.BaseSchema,
                                               running_api: tuple[str, dict[str, str]]) -> None:
    # An admin reaches everything; a volunteer's refusals (403, and 404 for cases not assigned
    # to them) must match the document too.
    base_url, tokens = running_api
    token = tokens[role]
    examples = EXAMPLES if role == "admin" else max(1, EXAMPLES // 3)
    found = {(r.ok().method.upper(), r.ok().path): r.ok() for r in api_schema.get_all_operations()}
    assert (method, path) in found, sorted(found)
    operation = found[(method, path)]
    # Valid input (positive) and input the document rules out (negative): both must be
    # answered with a documented status and body, never a server error. The token is fixed (the
    # security scheme would otherwise be fuzzed too: tests/test_api.py covers bad tokens); the
    # document's examples, and generated bodies sent to a case that exists, reach past "no such
    # case" into the services.
    auth = {"Authorization": f"Bearer {token}"}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE, headers=auth),
                  operation.as_strategy(GenerationMode.NEGATIVE, headers=auth),
                  *api_schema.get_strategies_from_examples(operation, headers=auth)]
    if "{case_id}" in path:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, headers=auth,
                                                path_parameters={"case_id": 1}))
    strategy = st.one_of(*strategies)
    label = f"{method} {path} as {role}"
    RUNS[label] = statuses = Counter()

    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(
            base_url=base_url, checks=[not_a_server_error, response_schema_conformance])
        statuses[response.status_code] += 1

    run()
    print(f"{label}: {sum(statuses.values())} examples, answers {dict(sorted(statuses.items()))}")
    # It really ran, and the token worked: some generated requests were accepted (an admin may do
    # everything here; a volunteer at least sees who they are).
    assert sum(statuses.values()) >= (1 if path.endswith("/me") else min(examples, 5))
    if role == "admin" or path.endswith("/me"):
        assert any(200 <= code < 300 for code in statuses), statuses
