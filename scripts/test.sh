#!/usr/bin/env bash
# The whole test suite (`make test`): lint, type-check, import contracts, then pytest.
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/unit -x`.
#
# Chromium (tests/browser): Debian's `chromium`, installed with apt-get when missing (as
# root, or through passwordless sudo). Playwright for Python drives it through its
# executable path; Playwright's own browser download is never used. When it cannot be
# installed the browser tests skip, and under CI=true that is a failure.
#
# PostgreSQL: starts the throwaway server of scripts/postgres.sh (and stops it on exit, if this
# script started it). To use some other server, set PIPEFIT_TEST_POSTGRES_URL yourself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "venv (.venv, -e .[dev])"
bash scripts/venv.sh
export PATH="$PWD/.venv/bin:$PATH"

step "chromium (browser tests)"
if command -v chromium >/dev/null 2>&1; then
  echo "test.sh: $(chromium --version 2>/dev/null || echo chromium) at $(command -v chromium)"
else
  as_root=()
  if [[ $(id -u) -ne 0 ]] && sudo -n true 2>/dev/null; then as_root=(sudo -n); fi
  if command -v apt-get >/dev/null 2>&1 && { [[ $(id -u) -eq 0 ]] || [[ ${#as_root[@]} -gt 0 ]]; }; then
    echo "test.sh: installing chromium with apt-get" >&2
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium
  elif [[ "${CI:-}" == "true" ]]; then
    echo "test.sh: error: chromium is missing and apt-get cannot install it here (CI=true)" >&2
    exit 1
  else
    echo "test.sh: chromium is missing and cannot be installed here; the browser tests will skip" >&2
  fi
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1  # never Playwright's own browsers

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
