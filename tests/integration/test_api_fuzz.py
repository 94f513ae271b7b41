"""The API fuzzed from its own OpenAPI document (schemathesis), in-process, as an admin,
as a sales rep and as a comp admin: no request, however odd, gets a 500, and every answer
matches the schema the document declares. Bounded: 8 examples per operation and role
(about 45 s of CPU; under two minutes on two busy cores)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from pipefit.webapi import create_app

from .webapi_workspace import Api, api

__all__ = ["api"]  # the fixture, imported for pytest

pytestmark = pytest.mark.slow

# Per operation and role: bounded for the suite; PIPEFIT_FUZZ_EXAMPLES=200 for a deep run.
EXAMPLES = int(os.environ.get("PIPEFIT_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, response_schema_conformance]


# The document does not depend on the workspace: it is read from an app over none, and
# the requests go to the app over the test workspace (schemathesis' from_fixture does not
# run on this pytest).
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(None))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def served(api: Api) -> Any:
    return create_app(api.app)


BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure can be replayed
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@BOUNDED
def test_an_admin_fuzzing_the_api_never_gets_a_500_or_an_answer_off_its_schema(
    case: Any, api: Api, served: Any
) -> None:
    case.call_and_validate(app=served, headers=api.write["admin"], checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_a_rep_fuzzing_the_api_never_gets_a_500_or_an_answer_off_its_schema(
    case: Any, api: Api, served: Any
) -> None:
    case.call_and_validate(app=served, headers=api.write["sales_rep"], checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_a_comp_admin_fuzzing_the_pay_paths_never_gets_a_500_or_an_answer_off_its_schema(
    case: Any, api: Api, served: Any
) -> None:
    """A comp admin reaches what the others are refused: every statement, quota and the
    workspace's capacity figures."""
    case.call_and_validate(app=served, headers=api.write["comp_admin"], checks=CHECKS)
