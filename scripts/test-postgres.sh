#!/usr/bin/env bash
# Throw-away PostgreSQL for integration/e2e tests (no Docker).
#
#   scripts/test-postgres.sh            # start (idempotent) and print the URLs
#   scripts/test-postgres.sh stop       # stop the server (data dir kept)
#   scripts/test-postgres.sh destroy    # stop and delete the data dir
#   scripts/test-postgres.sh status     # exit 0 when running
#
# Output contract: stdout carries ONLY `KEY=value` lines, everything else goes to stderr,
# so any of these work:
#   eval "$(scripts/test-postgres.sh | sed 's/^/export /')"
#   scripts/test-postgres.sh >> "$GITHUB_ENV"
#
#   TEST_DATABASE_URL=postgres://switchboard:switchboard@127.0.0.1:55123/switchboard_test
#   TEST_UNLEASH_DATABASE_URL=postgres://switchboard:switchboard@127.0.0.1:55123/unleash_test
#
# Environment knobs:
#   PGPORT       TCP port, bound on 127.0.0.1 only. Default: the running cluster's port, else a
#                free port from 55000-55999 chosen from this checkout's path (so two clones
#                running their tests at once do not meet).
#   PGDATA_DIR   throw-away cluster directory. Default: /tmp/switchboard-pg-<hash of this
#                checkout's path>, one per checkout (under /tmp, not the checkout, because the
#                server runs as the postgres user when we are root and may not enter /root).
#   PG_BIN       directory holding initdb/pg_ctl/postgres (auto-detected otherwise)
#   PG_OS_USER   OS user running the server when invoked as root (default postgres;
#                created as a system user if missing)
#
# Works with the binaries already on the dev image (/usr/local/bin -> /usr/lib/postgresql/15/bin)
# and on a fresh Debian 12 after `apt-get install -y postgresql` (binaries in
# /usr/lib/postgresql/<ver>/bin, not on PATH). Auth is `trust` on loopback and on the
# cluster's private unix socket; durability is switched off (fsync etc.) for speed.
set -euo pipefail
umask 022

CHECKOUT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
CHECKOUT_HASH="$(printf '%s' "$CHECKOUT" | cksum | cut -d' ' -f1)"
DATA_DIR="${PGDATA_DIR:-/tmp/switchboard-pg-$CHECKOUT_HASH}"
DB_ROLE="switchboard"
DB_PASSWORD="switchboard"
DATABASES=(switchboard_test unleash_test)
OS_USER="${PG_OS_USER:-postgres}"
CMD="${1:-start}"

log() { echo "test-postgres: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_pg_bin() {
  local candidates=() d
  [[ -n "${PG_BIN:-}" ]] && candidates+=("$PG_BIN")
  if command -v pg_config >/dev/null 2>&1; then
    candidates+=("$(pg_config --bindir 2>/dev/null || true)")
  fi
  # Debian/Ubuntu layout, newest major first.
  while IFS= read -r d; do candidates+=("$d"); done < <(
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r || true)
  # RHEL / Homebrew / source builds.
  candidates+=(/usr/pgsql-*/bin /usr/local/pgsql/bin /opt/homebrew/bin /usr/local/bin /usr/bin)
  for d in "${candidates[@]}"; do
    [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] && { echo "$d"; return 0; }
  done
  # Last resort: whatever is on PATH (resolving symlinks such as /usr/local/bin/pg_ctl).
  if command -v pg_ctl >/dev/null 2>&1; then
    d="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    [[ -x "$d/initdb" && -x "$d/postgres" ]] && { echo "$d"; return 0; }
  fi
  return 1
}

BIN="$(find_pg_bin)" || die "PostgreSQL binaries not found (apt-get install -y postgresql, or set PG_BIN)"

# postgres refuses to run as root: run the server tools as $OS_USER when we are root.
if [[ "$(id -u)" == "0" ]]; then
  if ! id -u "$OS_USER" >/dev/null 2>&1; then
    log "creating system user $OS_USER"
    useradd --system --home-dir "$DATA_DIR" --shell /bin/sh "$OS_USER" 2>/dev/null ||
      adduser --system --group --home "$DATA_DIR" "$OS_USER" >&2
  fi
  as_pg() {
    # cd / so the tools never complain about an unreadable cwd (e.g. /root).
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u "$OS_USER" -- "$@")
    else
      local q; q="$(printf '%q ' "$@")"
      (cd / && su -s /bin/sh "$OS_USER" -c "$q")
    fi
  }
else
  as_pg() { "$@"; }
fi

is_running() {
  [[ -f "$DATA_DIR/PG_VERSION" ]] && as_pg "$BIN/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

choose_port() {
  if [[ -n "${PGPORT:-}" ]]; then echo "$PGPORT"; return; fi
  if is_running; then head -n 4 "$DATA_DIR/postmaster.pid" | tail -n 1; return; fi
  local p=$((55000 + CHECKOUT_HASH % 1000)) i
  for i in $(seq 0 49); do
    port_in_use "$p" || { echo "$p"; return; }
    p=$((55000 + (p - 55000 + 1) % 1000))
  done
  die "no free port in 55000-55999 (set PGPORT)"
}
PORT="$(choose_port)"

PSQL_BIN="$BIN/psql"
[[ -x "$PSQL_BIN" ]] || PSQL_BIN="$(command -v psql || true)"
[[ -n "$PSQL_BIN" ]] || die "psql not found"
psql_super() {
  # Unix socket in the data dir: no dependency on /var/run/postgresql; trust auth.
  as_pg "$PSQL_BIN" -X -q -v ON_ERROR_STOP=1 -h "$DATA_DIR" -p "$PORT" -U postgres -d postgres "$@"
}

do_stop() {
  if is_running; then
    as_pg "$BIN/pg_ctl" -D "$DATA_DIR" -m fast -w stop >&2
  else
    log "not running"
  fi
}

do_start() {
  if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
    log "initdb $DATA_DIR ($BIN)"
    mkdir -p "$DATA_DIR"
    if [[ "$(id -u)" == "0" ]]; then chown "$OS_USER" "$DATA_DIR"; fi
    chmod 700 "$DATA_DIR"
    # --locale=C exists everywhere (no locales package needed); UTF8 encoding.
    as_pg "$BIN/initdb" -D "$DATA_DIR" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C --no-sync --no-instructions >&2
    cat >>"$DATA_DIR/postgresql.conf" <<EOF

# --- switchboard test settings ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DATA_DIR'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
log_min_messages = warning
EOF
    cat >"$DATA_DIR/pg_hba.conf" <<EOF
local all all                trust
host  all all 127.0.0.1/32   trust
host  all all ::1/128        trust
EOF
  fi

  if is_running; then
    log "already running ($DATA_DIR)"
  else
    # The port goes on the command line so PGPORT can change between runs.
    as_pg "$BIN/pg_ctl" -D "$DATA_DIR" -l "$DATA_DIR/server.log" -w -t 60 \
      -o "-p $PORT" start >&2 || { tail -n 30 "$DATA_DIR/server.log" >&2 || true; die "pg_ctl start failed"; }
  fi

  local actual_port
  actual_port="$(head -n 4 "$DATA_DIR/postmaster.pid" | tail -n 1)"
  [[ "$actual_port" == "$PORT" ]] ||
    die "a server is already running on $DATA_DIR with port $actual_port (stop it first or use PGPORT=$actual_port)"

  psql_super <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_ROLE') THEN
    CREATE ROLE $DB_ROLE LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SQL
  local db
  for db in "${DATABASES[@]}"; do
    if [[ "$(psql_super -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]]; then
      psql_super -c "CREATE DATABASE $db OWNER $DB_ROLE" >&2
    fi
  done

  echo "TEST_DATABASE_URL=postgres://$DB_ROLE:$DB_PASSWORD@127.0.0.1:$PORT/switchboard_test"
  echo "TEST_UNLEASH_DATABASE_URL=postgres://$DB_ROLE:$DB_PASSWORD@127.0.0.1:$PORT/unleash_test"
}

case "$CMD" in
  start) do_start ;;
  stop) do_stop ;;
  destroy)
    do_stop
    [[ "$DATA_DIR" == /tmp/* || -f "$DATA_DIR/PG_VERSION" ]] || die "refusing to delete $DATA_DIR"
    rm -rf "$DATA_DIR" "$DATA_DIR.initdb.log"; log "removed $DATA_DIR" ;;
  status) is_running ;;
  *) die "usage: $0 [start|stop|destroy|status]" ;;
esac
