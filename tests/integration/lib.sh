# Shared helpers for the integration tests (sourced, bash).
# Each test gets a scratch directory that the postgres user can reach, a copy
# of the wal-e binary there, and PostgreSQL clusters started as `postgres`
# (PostgreSQL refuses to run as root) on Unix sockets only, so tests never
# collide on TCP ports. Everything is stopped and removed on exit.
set -euo pipefail

: "${WALE_BIN:?WALE_BIN must name the built wal-e binary}"
: "${WALE_TESTDATA:?WALE_TESTDATA must name tests/testdata}"
PG_BIN=$(pg_config --bindir)
[ -x "$PG_BIN/initdb" ] || { echo "FAIL: no initdb in $PG_BIN (install postgresql-15: scripts/install-deps.sh)"; exit 1; }

WORK=$(mktemp -d /tmp/wale-it.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/bin" "$WORK/sock" "$WORK/env"
# The archive root must exist (wal-e never creates it: a missing root is an
# unmounted disk or a mistyped prefix, not an empty archive).
mkdir -m 700 "$WORK/archive"
# The binary and its plugins (app/plugin.h), where the postgres user can read them.
bash "$(dirname "${BASH_SOURCE[0]}")/../../scripts/copy-wal-e.sh" "$WALE_BIN" "$WORK"
WALE="$WORK/bin/wal-e"
SOCK="$WORK/sock"
ARCHIVE="$WORK/archive"
ENVDIR="$WORK/env"
# The store: a local directory by default; WALE_TEST_STORE=s3 uses the radosgw
# that the CTest fixture started (its settings in $WALE_S3_TEST_ENV).
if [ "${WALE_TEST_STORE:-file}" = s3 ]; then
  : "${WALE_S3_TEST_ENV:?WALE_S3_TEST_ENV must name the env file of the radosgw fixture}"
  # shellcheck disable=SC1090
  source "$WALE_S3_TEST_ENV"
  echo "s3://$BUCKET/$(basename "$0" .sh)-$(basename "$WORK")" >"$ENVDIR/WALE_S3_PREFIX"
  echo "$ENDPOINT" >"$ENVDIR/WALE_S3_ENDPOINT"
  echo "$ACCESS_KEY" >"$ENVDIR/AWS_ACCESS_KEY_ID"
  echo "$SECRET_KEY" >"$ENVDIR/AWS_SECRET_ACCESS_KEY"
  echo none >"$ENVDIR/WALE_S3_SSE"   # radosgw refuses SSE over plain http
  echo 5 >"$ENVDIR/WALE_RETRIES"
else
  echo "file://localhost$ARCHIVE" > "$ENVDIR/WALE_FILE_PREFIX"
fi
# A broken archive_command makes backup-push fail in a minute, not ten.
echo 60 >"$ENVDIR/WALE_ARCHIVE_TIMEOUT"
CLUSTERS=()

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

own_by_pg() {
  # A detached wal-prefetch/wal-push-ahead helper may remove a temporary file
  # while chown -R walks the tree ("No such file or directory"): a second pass
  # then succeeds, and still reports a real failure.
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$@" 2>/dev/null || chown -R postgres:postgres "$@"; fi
}

cleanup() {
  local rc=$?
  for d in "${CLUSTERS[@]}"; do
    if [ -f "$d/postmaster.pid" ]; then as_pg "$PG_BIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true; fi
  done
  if [ $rc -ne 0 ]; then
    echo "--- test failed (exit $rc); server logs:"
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; }; done
  fi
  if [ -z "${WALE_KEEP_WORK:-}" ]; then
    # A detached wal-prefetch may still be spooling a segment into $WORK (it
    # lingers for a while after the last wal-fetch): rm -rf then finds a
    # directory refilled behind it ("Directory not empty"). Stop this test's
    # helpers first, and give rm a second pass.
    pkill -f "wal-e .*$WORK" 2>/dev/null || true
    rm -rf "$WORK" 2>/dev/null || { sleep 0.5; rm -rf "$WORK"; }
  else
    echo "kept $WORK"
  fi
  exit $rc
}
trap cleanup EXIT
own_by_pg "$WORK"

fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok - $*"; }

# wal-e as the postgres user, with the test's envdir.
wale() { as_pg "$WALE" --envdir "$ENVDIR" "$@"; }
# wal-e connecting to the cluster on PORT (for backup-push).
wale_at() { local port=$1; shift; as_pg env PGHOST="$SOCK" PGPORT="$port" "$WALE" --envdir "$ENVDIR" "$@"; }

# new_cluster DIR PORT [INITDB_OPTION...]: initdb and the settings every test cluster
# shares (archive_mode on, no archiver set yet); not started.
new_cluster() {
  local dir=$1 port=$2
  shift 2
  own_by_pg "$WORK"
  as_pg "$PG_BIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-locale "$@" >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log"; fail "initdb"; }
  cat >>"$dir/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$SOCK'
wal_level = replica
archive_mode = on
fsync = off
CONF
  CLUSTERS+=("$dir")
}

# init_cluster DIR PORT: a new cluster archiving through wal-e wal-push.
init_cluster() {
  new_cluster "$1" "$2"
  cat >>"$1/postgresql.conf" <<CONF
archive_command = '$WALE --terse --envdir $ENVDIR wal-push %p'
max_wal_size = 256MB
checkpoint_timeout = 30min
CONF
}

# init_module_cluster DIR PORT: a new cluster (1 MiB segments) archiving through the archive
# module (WALE_PG_MODULE, copied to $WORK/lib); the caller appends its wal_e.* settings to
# DIR/postgresql.conf and starts it.
init_module_cluster() {
  : "${WALE_PG_MODULE:?WALE_PG_MODULE must name the built wal_e_archive.so (configure with WALE_PG_MODULE=ON)}"
  mkdir -p "$WORK/lib"
  cp "$WALE_PG_MODULE" "$WORK/lib/wal_e_archive.so"
  chmod 755 "$WORK/lib" "$WORK/lib/wal_e_archive.so"
  new_cluster "$1" "$2" --wal-segsize=1
  cat >>"$1/postgresql.conf" <<CONF
archive_command = ''
archive_library = 'wal_e_archive'
dynamic_library_path = '\$libdir:$WORK/lib'
CONF
}

start_cluster() {
  local dir=$1 log=${2:-$WORK/$(basename "$1").log}
  own_by_pg "$WORK"
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$log" -w -t 120 start >/dev/null || { tail -n 30 "$log"; fail "start $dir"; }
}

stop_cluster() { as_pg "$PG_BIN/pg_ctl" -D "$1" -w -t 120 stop >/dev/null; }

# psql_at PORT SQL: one value per line, unaligned.
psql_at() { as_pg "$PG_BIN/psql" -X -q -h "$SOCK" -p "$1" -d postgres -v ON_ERROR_STOP=1 -Atc "$2"; }

# Waits until a restored cluster has finished recovery (promoted).
wait_promoted() {
  local port=$1
  for _ in $(seq 1 600); do
    if [ "$(psql_at "$port" 'select pg_is_in_recovery()' 2>/dev/null || true)" = "f" ]; then return 0; fi
    sleep 0.2
  done
  fail "cluster on port $port did not finish recovery"
}

# configure_restore DIR PORT [extra conf lines...]: recovery via wal-e wal-fetch.
configure_restore() {
  local dir=$1 port=$2; shift 2
  cat >>"$dir/postgresql.conf" <<CONF
port = $port
listen_addresses = ''
unix_socket_directories = '$SOCK'
archive_mode = off
restore_command = '$WALE --terse --envdir $ENVDIR wal-fetch "%f" "%p"'
CONF
  for line in "$@"; do echo "$line" >>"$dir/postgresql.conf"; done
  : >"$dir/recovery.signal"
  own_by_pg "$dir"
  CLUSTERS+=("$dir")
}

# Per-table checksum of every user table, for comparing two clusters.
table_checksums() {
  psql_at "$1" "select c.relname || ' ' || (xpath('/row/c/text()', query_to_xml(format('select count(*) || '':'' || coalesce(md5(string_agg(t::text, '','' order by t::text)), '''') as c from %I.%I t', n.nspname, c.relname), false, true, '')))[1]::text from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname = 'public' order by 1"
}

# Waits until WAL file NAME is in the archive, whatever the store: asks
# wal-fetch for it (without prefetch).
wait_archived() {
  local name=$1
  for _ in $(seq 1 300); do
    as_pg "$WALE" --terse --envdir "$ENVDIR" wal-fetch --prefetch 0 "$name" "$WORK/.probe" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "WAL file $name was not archived"
}

# archive_current_wal PORT: switches WAL on the cluster and waits until the
# segment that held everything written so far is in the archive.
archive_current_wal() {
  local port=$1 last
  last=$(psql_at "$port" "select pg_walfile_name(pg_current_wal_lsn())")
  psql_at "$port" "select pg_switch_wal()" >/dev/null
  wait_archived "$last"
}
