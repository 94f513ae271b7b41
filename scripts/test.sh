#!/usr/bin/env bash
# The whole test suite (`make test`): lint, type-check, import contracts, then pytest.
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/unit -x`.
#
# PostgreSQL: starts the throwaway server of scripts/postgres.sh (and stops it on exit, if this
# script started it). To use some other server, set PIPEFIT_TEST_POSTGRES_URL yourself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "venv (.venv, -e .[dev])"
bash scripts/venv.sh
export PATH="$PWD/.venv/bin:$PATH"

if [[ -n "${PIPEFIT_TEST_POSTGRES_URL:-}" ]]; then
  step "PostgreSQL: using PIPEFIT_TEST_POSTGRES_URL from the environment"
else
  step "PostgreSQL (scripts/postgres.sh)"
  if ! bash scripts/postgres.sh status; then
    trap 'bash scripts/postgres.sh stop || true' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
  fi
  bash scripts/postgres.sh start
  PIPEFIT_TEST_POSTGRES_URL=$(bash scripts/postgres.sh url)
  export PIPEFIT_TEST_POSTGRES_URL
fi

step "ruff check src tests"
ruff check src tests

step "mypy"
mypy

step "lint-imports"
lint-imports

step "pytest $*"
status=0
pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then
  echo "test.sh: pytest collected no tests; counting that as a failure" >&2
fi
exit "$status"
