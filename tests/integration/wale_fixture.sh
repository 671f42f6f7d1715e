#!/usr/bin/env bash
# (c) An archive written by the real WAL-E 1.1.1 (tests/testdata/wal-e-archive):
# backup-list, backup-fetch LATEST and wal-fetch work, and recovery gives
# exactly the rows its README lists.
source "$(dirname "$0")/lib.sh"

cp -r "$WALE_TESTDATA/wal-e-archive/." "$ARCHIVE/"
own_by_pg "$ARCHIVE"
NAME=base_000000010000000000000030_00000030

LIST=$(wale backup-list)
echo "$LIST" | head -1 | grep -q "^name	last_modified	expanded_size_bytes	wal_segment_backup_start" || fail "backup-list header: $LIST"
echo "$LIST" | grep -q "^$NAME	.*	000000010000000000000030	00000030	" || fail "backup-list row: $LIST"
DETAIL=$(wale backup-list --detail)
echo "$DETAIL" | grep -q "^$NAME	[^	]*	23908659	000000010000000000000030	00000030	000000010000000000000030	00000030" \
  || fail "backup-list --detail row: $DETAIL"
wale backup-list --json | grep -q '"expanded_size_bytes": 23908659' || fail "backup-list --json lacks sentinel fields"
# On a terminal the same rows come aligned (script(1) gives it a pty).
TTY=$(as_pg script -qec "$WALE --envdir $ENVDIR backup-list --detail" /dev/null | tr -d '\r')
echo "$TTY" | grep -q "^$NAME  .*  23908659  " || fail "backup-list on a terminal is not aligned: $TTY"
! echo "$TTY" | grep -q "	" || fail "backup-list on a terminal prints tabs"
pass "backup-list reads WAL-E's sentinels (TSV for scripts, aligned on a terminal)"

# wal-fetch of a WAL-E .lzo segment equals lzop -d of it (the real tool as oracle).
wale wal-fetch 000000010000000000000003 "$WORK/seg03" 2>/dev/null || fail "wal-fetch of a WAL-E segment"
lzop -dc "$ARCHIVE/wal_005/000000010000000000000003.lzo" | cmp - "$WORK/seg03" || fail "wal-fetch output differs from lzop -d"
pass "wal-fetch restores WAL-E's lzop segments"

restore_check() {  # DIR PORT EXPECTED conf-lines...
  local dir=$1 port=$2 expected=$3; shift 3
  wale backup-fetch "$dir" LATEST 2>"$WORK/fetch-$port.err" || { cat "$WORK/fetch-$port.err"; fail "backup-fetch"; }
  # WAL-E does not back up the configuration files: supply them.
  cat >"$dir/postgresql.conf" <<CONF
max_connections = 100
shared_buffers = 16MB
CONF
  echo "local all all trust" >"$dir/pg_hba.conf"
  : >"$dir/pg_ident.conf"
  configure_restore "$dir" "$port" "$@"
  start_cluster "$dir"
  wait_promoted "$port"
  local got
  got=$(psql_at "$port" "select count(*), sum(id), md5(string_agg(h, ',' order by id)) from t")
  [ "$got" = "$expected" ] || fail "restore on port $port: got '$got', want '$expected'"
  stop_cluster "$dir"
}

restore_check "$WORK/full" 5521 "15000|112507500|88686552d05c7a70f3ebd28957065a8a"
pass "full replay of the WAL-E archive shows the README's rows"
restore_check "$WORK/immediate" 5522 "10000|50005000|55dd7184c7eae5d9a2bae0b66e2924e3" \
  "recovery_target = 'immediate'" "recovery_target_action = 'promote'"
pass "recovery_target=immediate on the WAL-E archive shows the README's rows"
