#!/usr/bin/env bash
# Create .venv if missing and install the project into it (editable, with the dev extras).
# The install is skipped while pyproject.toml is unchanged since the last one (a stamp in .venv).
# The dev extras bring Playwright for Python without any browser: the browser tests drive
# Debian's chromium (scripts/test.sh installs it), so Playwright's download is switched off.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
STAMP=$VENV/.pipefit-installed   # holds the sha256 of the pyproject.toml last installed

if [[ ! -x $VENV/bin/python ]]; then
  echo "venv.sh: creating $VENV" >&2
  python3 -m venv "$VENV" || {
    echo "venv.sh: error: 'python3 -m venv' failed (on Debian: apt-get install python3-venv)" >&2
    exit 1
  }
fi

want=$(sha256sum pyproject.toml | cut -d' ' -f1)
have=$(cat "$STAMP" 2>/dev/null || true)
if [[ "$want" != "$have" ]]; then
  echo "venv.sh: installing -e .[dev] into $VENV" >&2
  rm -f "$STAMP"
  log=$VENV/pip-install.log
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]' >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "venv.sh: error: pip install -e .[dev] failed (full log: $log)" >&2
    exit 1
  fi
  echo "$want" > "$STAMP"
fi
