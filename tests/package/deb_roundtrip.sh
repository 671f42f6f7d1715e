#!/usr/bin/env bash
# Operators install packages, not build trees: CPack makes the Debian package
# from WALE_PACKAGE_BUILD_DIR, dpkg installs it, and the installed
# /usr/bin/wal-e is PostgreSQL 15's archive_command and restore_command for one
# round trip (wal-push, backup-push, backup-fetch, recovery, same table). The
# package is removed afterwards. Needs root (dpkg) and dpkg-dev (dpkg-shlibdeps).
set -euo pipefail
: "${WALE_PACKAGE_BUILD_DIR:?WALE_PACKAGE_BUILD_DIR must name a configured and built build tree}"
early_fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || early_fail "installing a package needs root (run the tests as root, as CI does)"
[ -f "$WALE_PACKAGE_BUILD_DIR/CPackConfig.cmake" ] || early_fail "no CPackConfig.cmake in $WALE_PACKAGE_BUILD_DIR"
command -v dpkg-shlibdeps >/dev/null || early_fail "dpkg-shlibdeps is missing: install dpkg-dev (scripts/install-deps.sh)"
# Never replace what an operator installed: a wal-e package, or a wal-e no package owns.
if dpkg-query -W -f='${Status}' wal-e 2>/dev/null | grep -q 'ok installed'; then
  early_fail "a wal-e package is already installed; remove it first (dpkg -r wal-e)"
fi
[ ! -e /usr/bin/wal-e ] || early_fail "/usr/bin/wal-e exists and belongs to no package; not overwriting it"

source "$(dirname "$0")/../integration/lib.sh"

# dpkg LOG ARGS...: dpkg, waiting up to two minutes while another dpkg or apt
# holds dpkg's lock (dpkg itself fails at once).
dpkg_locked() {
  local log=$1; shift
  for _ in $(seq 1 120); do
    if dpkg "$@" >"$log" 2>&1; then return 0; fi
    grep -q 'lock' "$log" || return 1
    sleep 1
  done
  return 1
}
INSTALLED=""
remove_package() {
  if [ -n "$INSTALLED" ]; then
    dpkg_locked "$WORK/dpkg-r.log" -r wal-e || { echo "could not remove package wal-e:"; cat "$WORK/dpkg-r.log"; }
    INSTALLED=""
  fi
}
# The package goes first; then lib.sh's cleanup stops the clusters and exits
# with the test's status (set +e: a failing step must not skip the cleanup).
trap 'rc=$?; set +e; remove_package; (exit $rc); cleanup' EXIT

# cmake --install: the GNU layout under any prefix.
cmake --install "$WALE_PACKAGE_BUILD_DIR" --prefix "$WORK/prefix" >"$WORK/install.log" 2>&1 \
  || { cat "$WORK/install.log"; fail "cmake --install"; }
for f in bin/wal-e share/doc/wal-e/README.md share/doc/wal-e/docs/architecture.md share/man/man1/wal-e.1; do
  [ -f "$WORK/prefix/$f" ] || { find "$WORK/prefix"; fail "cmake --install did not install $f"; }
done
[ -x "$WORK/prefix/bin/wal-e" ] || fail "installed wal-e is not executable"
for p in s3 backup; do  # the plugins (app/plugin.h)
  [ -n "$(find "$WORK/prefix" -path "*/wal-e/libwale-$p.so")" ] \
    || { find "$WORK/prefix"; fail "cmake --install did not install libwale-$p.so"; }
done
pass "cmake --install put wal-e in bin/, its plugins in lib/ and the docs in share/doc/wal-e/"

# The package: CPack from the build tree (which is already built: nothing compiles).
cpack -G DEB --config "$WALE_PACKAGE_BUILD_DIR/CPackConfig.cmake" -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1 \
  || { cat "$WORK/cpack.log"; fail "cpack"; }
DEBS=("$WORK"/pkg/wal-e_*.deb)
[ ${#DEBS[@]} = 1 ] && [ -f "${DEBS[0]}" ] || { ls -l "$WORK/pkg"; fail "cpack made no single wal-e_*.deb"; }
DEB=${DEBS[0]}
[ "$(dpkg-deb -f "$DEB" Package)" = wal-e ] || fail "package name is '$(dpkg-deb -f "$DEB" Package)'"
[ -n "$(dpkg-deb -f "$DEB" Maintainer)" ] || fail "no Maintainer field"
[ -n "$(dpkg-deb -f "$DEB" Description)" ] || fail "no Description field"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
# Computed by dpkg-shlibdeps from the libraries the binary and its plugins link,
# with versions (the codecs are linked statically: WALE_STATIC_CODECS).
for lib in libc6 libpq5 libcurl4 libarchive13; do
  re="(^|, )$lib( \(>= [^)]+\))?(,|\$)"
  [[ "$DEPENDS" =~ $re ]] || fail "Depends lacks $lib: $DEPENDS"
done
dpkg-deb -c "$DEB" >"$WORK/contents"
for f in ./usr/bin/wal-e ./usr/share/doc/wal-e/README.md ./usr/share/doc/wal-e/docs/s3.md ./usr/share/man/man1/wal-e.1; do
  grep -q " $f\$" "$WORK/contents" || { cat "$WORK/contents"; fail "$f is not in the package"; }
done
# The plugins (app/plugin.h), where the binary looks for them: ../lib/.../wal-e/.
for p in s3 backup; do
  grep -qE " \./usr/lib/([^/]+/)?wal-e/libwale-$p\.so\$" "$WORK/contents" \
    || { cat "$WORK/contents"; fail "libwale-$p.so is not in the package"; }
done
pass "cpack made $(basename "$DEB") (Depends: $DEPENDS)"

INSTALLED=1
dpkg_locked "$WORK/dpkg-i.log" -i "$DEB" || { cat "$WORK/dpkg-i.log"; fail "dpkg -i"; }
[ "$(dpkg-query -S /usr/bin/wal-e)" = "wal-e: /usr/bin/wal-e" ] || fail "/usr/bin/wal-e is not the package's"
[ "$(stat -c '%a %U' /usr/bin/wal-e)" = "755 root" ] || fail "/usr/bin/wal-e is $(stat -c '%a %U' /usr/bin/wal-e)"
pass "dpkg installed /usr/bin/wal-e"

# From here on every wal-e run (archive_command, restore_command, the
# commands below) is the installed one.
WALE=/usr/bin/wal-e
PRIMARY="$WORK/primary"; RESTORED="$WORK/restored"
init_cluster "$PRIMARY" 5781
grep -q "^archive_command = '/usr/bin/wal-e " "$PRIMARY/postgresql.conf" || fail "archive_command is not the installed wal-e"
start_cluster "$PRIMARY"
psql_at 5781 "create table t as select g as id, md5(g::text) as body from generate_series(1, 20000) g"
BACKUP=$(wale_at 5781 backup-push "$PRIMARY" 2>"$WORK/backup-push.err") || { cat "$WORK/backup-push.err"; fail "backup-push"; }
[[ "$BACKUP" =~ ^base_[0-9A-F]{24}_[0-9]{8}$ ]] || fail "backup-push printed '$BACKUP'"
psql_at 5781 "insert into t select g, md5(g::text) from generate_series(20001, 30000) g"
psql_at 5781 "delete from t where id % 7 = 0"
archive_current_wal 5781
EXPECTED=$(table_checksums 5781)
[ "$(echo "$EXPECTED" | cut -d' ' -f2 | cut -d: -f1)" = 25715 ] || fail "unexpected row count: $EXPECTED"
stop_cluster "$PRIMARY"
pass "installed wal-e archived WAL and pushed $BACKUP"

wale backup-fetch "$RESTORED" LATEST 2>"$WORK/fetch.err" || { cat "$WORK/fetch.err"; fail "backup-fetch"; }
configure_restore "$RESTORED" 5782
grep -q "^restore_command = '/usr/bin/wal-e " "$RESTORED/postgresql.conf" || fail "restore_command is not the installed wal-e"
start_cluster "$RESTORED"
wait_promoted 5782
ACTUAL=$(table_checksums 5782)
[ "$EXPECTED" = "$ACTUAL" ] || fail "restored table differs: want '$EXPECTED', got '$ACTUAL'"
stop_cluster "$RESTORED"
pass "installed wal-e restored the cluster through recovery ($ACTUAL)"

INSTALLED=""
dpkg_locked "$WORK/dpkg-r.log" -r wal-e || { cat "$WORK/dpkg-r.log"; fail "dpkg -r"; }
[ ! -e /usr/bin/wal-e ] || fail "/usr/bin/wal-e is still there after dpkg -r"
! dpkg-query -W -f='${Status}' wal-e 2>/dev/null | grep -q 'ok installed' || fail "wal-e still installed"
pass "dpkg -r removed the package"
