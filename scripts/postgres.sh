#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests.
#
#   scripts/postgres.sh start    start it (idempotent), creating database pipefit_test
#   scripts/postgres.sh stop     stop it and delete its directory
#   scripts/postgres.sh status   exit 0 if it is running
#   scripts/postgres.sh url      print the URL of database pipefit_test
#
# It listens on 127.0.0.1 only, trusts every local connection, and runs with
# fsync off: never put data you care about in it.
#
# PIPEFIT_PG_DIR   where it lives (default /tmp/pipefit-pg; deleted by `stop`)
# PIPEFIT_PG_PORT  its TCP port (default 54329)
# PIPEFIT_PG_KEEP  set: `stop` keeps the directory (a benchmark's loaded server, started again)
set -euo pipefail

PG_DIR=${PIPEFIT_PG_DIR:-/tmp/pipefit-pg}
PG_PORT=${PIPEFIT_PG_PORT:-54329}
PG_DATA=$PG_DIR/data
PG_LOG=$PG_DIR/postgres.log
PG_DB=pipefit_test
READY_MARK=$PG_DATA/pipefit-ready   # written once initdb and createdb have both succeeded

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

url() { printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$PG_PORT" "$PG_DB"; }

case "$PG_DIR" in
  /*) ;;
  *) die "PIPEFIT_PG_DIR must be an absolute path, not '$PG_DIR'" ;;
esac
[[ "$PG_DIR" != / ]] || die "PIPEFIT_PG_DIR must not be /"
[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "PIPEFIT_PG_PORT must be a number, not '$PG_PORT'"

# --- finding (or installing) the server binaries -----------------------------

find_pg_bin() {
  # The newest installed major version, if any.
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [[ -x "$d/pg_ctl" ]]; then printf '%s\n' "$d"; fi
  done | sort -V | tail -n 1
}

install_postgres() {
  [[ $EUID -eq 0 ]] || die "PostgreSQL is not installed (no pg_ctl under /usr/lib/postgresql/*/bin) and only root can apt-get install it"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is not available; install PostgreSQL server binaries by hand"
  say "installing PostgreSQL with apt-get (once per machine)..."
  # Don't let the package create and start a 'main' cluster on port 5432: we only want the binaries.
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf
  fi
  local log=/tmp/pipefit-pg-install.log
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache policy postgresql 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get update >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get update failed (full log: $log)"; }
  fi
  apt-get install -y -q -o Dpkg::Options::=--force-confold postgresql >>"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; die "apt-get install postgresql failed (full log: $log)"; }
}

PG_BIN=

need_pg_bin() {
  PG_BIN=$(find_pg_bin)
  if [[ -z "$PG_BIN" ]]; then
    install_postgres
    PG_BIN=$(find_pg_bin)
    [[ -n "$PG_BIN" ]] || die "apt-get installed postgresql but no pg_ctl appeared under /usr/lib/postgresql/*/bin"
  fi
}

# --- running things as the postgres user -------------------------------------

# Root may not run the server. As root, run it as user postgres; as anyone else, as ourselves.
if [[ $EUID -eq 0 ]]; then
  PG_USER=postgres
else
  PG_USER=$(id -un)
fi

# (9>&-: the lock taken by with_lock must not leak into the server, which would then hold it forever.)
as_pg() {
  if [[ $EUID -ne 0 ]]; then
    "$@" 9>&-
  elif command -v runuser >/dev/null; then
    (cd / && runuser -u "$PG_USER" -- "$@") 9>&-
  else
    (cd / && su -s /bin/bash "$PG_USER" -c "$(printf '%q ' "$@")") 9>&-
  fi
}

pg_ctl() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }

is_running() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && pg_ctl status >/dev/null 2>&1
}

psql_admin() {
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"
}

show_log() {
  if [[ -s "$PG_LOG" ]]; then
    say "last lines of $PG_LOG:"
    tail -n 15 "$PG_LOG" >&2
  fi
}

# Only ever delete a directory that looks like ours, whatever PIPEFIT_PG_DIR says.
remove_dir() {
  [[ -d "$PG_DIR" ]] || return 0
  local entry
  for entry in "$PG_DIR"/* "$PG_DIR"/.[!.]*; do
    [[ -e "$entry" ]] || continue
    case "${entry##*/}" in
      data | postgres.log | initdb.log) ;;
      *) die "refusing to delete $PG_DIR: it holds ${entry##*/}, which this script did not create" ;;
    esac
  done
  rm -rf -- "$PG_DIR"
}

# --- commands ----------------------------------------------------------------

init_cluster() {
  say "creating a new cluster in $PG_DATA"
  mkdir -p "$PG_DIR"
  if [[ $EUID -eq 0 ]]; then
    id -u "$PG_USER" >/dev/null 2>&1 || die "there is no '$PG_USER' user (it comes with the postgresql package)"
    chown "$PG_USER:" "$PG_DIR"
  fi
  chmod 700 "$PG_DIR"
  as_pg test -w "$PG_DIR" || die "user $PG_USER cannot write to $PG_DIR (is a parent directory private?)"

  # --no-sync: nothing here needs to survive a crash, and syncing is most of initdb's time.
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --no-locale -E UTF8 \
      --no-sync --no-instructions >"$PG_DIR/initdb.log" 2>&1; then
    tail -n 20 "$PG_DIR/initdb.log" >&2
    die "initdb failed (full log: $PG_DIR/initdb.log)"
  fi

  as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null <<'HBA'
# Throwaway test server: trust everything local, nothing else.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
HBA

  as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<CONF

# --- added by scripts/postgres.sh (throwaway test server) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DATA'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
logging_collector = off
CONF
}

start() {
  local t0=$EPOCHREALTIME
  need_pg_bin

  if is_running; then
    # Somebody (maybe another test run) already started it. Make sure it is the one we would have started.
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" \
      || die "a server is running from $PG_DATA but does not answer on 127.0.0.1:$PG_PORT (was it started with another PIPEFIT_PG_PORT?); run '$0 stop' first"
    [[ -f "$READY_MARK" ]] || create_db
    say "already running: $(url)"
    return 0
  fi

  # Anything else on the port would make the start fail with a confusing log line, or worse, succeed
  # against a server we don't own.
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    die "another server already answers on 127.0.0.1:$PG_PORT; stop it or set PIPEFIT_PG_PORT"
  fi

  # A directory left half-made (an interrupted start) or by a server that died: start afresh.
  if [[ -e "$PG_DIR" && ! -f "$READY_MARK" ]]; then
    say "removing the incomplete $PG_DIR left by an earlier start"
    remove_dir
  fi
  [[ -f "$READY_MARK" ]] || init_cluster

  if ! pg_ctl -l "$PG_LOG" -w -t 60 -s start; then
    show_log
    die "the server did not start (data dir $PG_DATA, port $PG_PORT)"
  fi
  [[ -f "$READY_MARK" ]] || create_db

  local t1=$EPOCHREALTIME
  say "started in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s: $(url)"
}

create_db() {
  if [[ -z "$(psql_admin -tA -c "select 1 from pg_database where datname = '$PG_DB'")" ]]; then
    psql_admin -c "create database $PG_DB" || { show_log; die "could not create database $PG_DB"; }
  fi
  as_pg touch "$READY_MARK"
}

stop() {
  local t0=$EPOCHREALTIME
  if [[ ! -e "$PG_DIR" ]]; then
    say "not running (no $PG_DIR)"
    return 0
  fi
  need_pg_bin
  if is_running; then
    if ! pg_ctl -m fast -w -t 60 -s stop; then
      show_log
      die "could not stop the server in $PG_DATA"
    fi
  fi
  if [[ -n "${PIPEFIT_PG_KEEP:-}" ]]; then  # a benchmark's loaded server, started again later
    say "stopped; $PG_DIR kept (PIPEFIT_PG_KEEP)"
    return 0
  fi
  remove_dir
  local t1=$EPOCHREALTIME
  say "stopped and removed $PG_DIR in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s"
}

status() {
  PG_BIN=$(find_pg_bin)
  [[ -n "$PG_BIN" ]] && is_running && [[ -f "$READY_MARK" ]]
}

# start and stop from several shells at once (two `make test`s) must not interleave.
with_lock() {
  exec 9>"$PG_DIR.lock"
  flock -w 120 9 || die "timed out waiting for the lock $PG_DIR.lock"
  "$@"
}

case "${1:-}" in
  start) with_lock start ;;
  stop) with_lock stop ;;
  status) status ;;
  url) url ;;
  *)
    echo "usage: $0 start|stop|status|url" >&2
    exit 2
    ;;
esac
