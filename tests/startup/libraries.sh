#!/usr/bin/env bash
# startup.libraries: wal-e's start-up does not map the heavy libraries
# (docs/performance.md, "Start-up"; app/plugin.h). `version`, wal-push and
# wal-fetch on a local-directory archive must not load libcurl, libpq,
# libarchive, OpenSSL or a plugin; backup-list and an s3:// prefix must load theirs
# (the control: the check sees a library when it is loaded). A binary whose
# plugins are missing says so in one line and exits non-zero (wal-fetch:
# above 125, so that PostgreSQL stops recovery instead of ending it).
# Reads the dynamic loader's own record of what it loaded (LD_DEBUG=files).
set -euo pipefail
WALE_BIN=${WALE_BIN:?WALE_BIN must name the wal-e binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$work/pg_wal" "$work/archive"
echo "1	0/3000000	no recovery target specified" > "$work/pg_wal/00000002.history"
export WALE_FILE_PREFIX="file://$work/archive" WALE_LOG_DESTINATION=stderr
unset WALE_S3_PREFIX WALE_GS_PREFIX WALE_WABS_PREFIX 2>/dev/null || true

# loaded NAME ARGS...: the objects the loader mapped for `wal-e ARGS...` (one per line).
loaded() {
  LD_DEBUG=files LD_DEBUG_OUTPUT="$work/ld" "$WALE_BIN" "$@" > /dev/null 2>&1 || true
  grep -ho 'file=[^ ]*' "$work"/ld.* | sed 's/^file=//' | sort -u
  rm -f "$work"/ld.*
}
# libcrypto/libssl too: OpenSSL alone costs ~0.6 ms of start-up, the whole margin of the
# 3x-of-/bin/true target (docs/performance.md, "Start-up").
heavy='libcurl|libpq|libarchive|libcrypto|libssl|libwale-'
# Beyond those, each shared object costs ~15 page faults and ~0.1 ms: the light commands map only
# the C and C++ runtimes (libsodium and the codecs are linked from their static archives, fmt is
# header-only).
runtime='(^|/)(libc|libm|libstdc\+\+|libgcc_s)\.so[.0-9]*$'
check_light() {
  local libs
  libs=$(loaded "$@")
  [ -n "$libs" ] || fail "LD_DEBUG=files recorded nothing for wal-e $*"
  if grep -E "$heavy" <<< "$libs"; then fail "wal-e $* loads the libraries above"; fi
  if grep -vE "$runtime" <<< "$libs"; then fail "wal-e $* loads more than the C and C++ runtimes: above"; fi
  echo "ok: wal-e $* loads $(wc -l <<< "$libs") objects, only the C and C++ runtimes"
}
# No constructor runs CPUID at start-up (libgcc's __cpu_indicator_init, linked by
# __builtin_cpu_supports): each CPUID traps into the hypervisor on a VM.
if nm "$WALE_BIN" | grep -E '__cpu_indicator_init|__cpu_model'; then
  fail "wal-e links libgcc's CPU-model constructor (above); test CPU features lazily with <cpuid.h>"
fi
echo "ok: no CPU-model constructor in wal-e"
check_loads() {
  local want=$1; shift
  loaded "$@" | grep -qE "$want" || fail "wal-e $* does not load $want (is the check blind?)"
  echo "ok: wal-e $* loads $want"
}

"$WALE_BIN" wal-push "$work/pg_wal/00000002.history" 2> /dev/null || fail "wal-push on a local directory failed"
check_light version
check_light --version
check_light wal-push "$work/pg_wal/00000002.history"
check_light wal-fetch 00000002.history "$work/pg_wal/RECOVERYHISTORY"
cmp "$work/pg_wal/00000002.history" "$work/pg_wal/RECOVERYHISTORY" || fail "wal-fetch fetched other bytes"
# Controls: the commands that need them load the plugins and their libraries.
check_loads 'libwale-backup\.so' backup-list
check_loads 'libarchive\.so' backup-list
check_loads 'libpq\.so' backup-list
s3_env=(env -u WALE_FILE_PREFIX WALE_S3_PREFIX=s3://bucket/prefix WALE_S3_ENDPOINT=http+path://127.0.0.1:9
  AWS_ACCESS_KEY_ID=startup-test AWS_SECRET_ACCESS_KEY=startup-test AWS_REGION=us-east-1 WALE_RETRIES=1)
libs=$(LD_DEBUG=files LD_DEBUG_OUTPUT="$work/ld" "${s3_env[@]}" "$WALE_BIN" wal-fetch 00000003.history \
         "$work/pg_wal/RECOVERYXLOG" > /dev/null 2>&1 || true
       grep -ho 'file=[^ ]*' "$work"/ld.*; rm -f "$work"/ld.*)
grep -q 'libwale-s3\.so' <<< "$libs" || fail "an s3:// wal-fetch does not load libwale-s3.so (is the check blind?)"
grep -q 'libcurl\.so' <<< "$libs" || fail "an s3:// wal-fetch does not load libcurl (is the check blind?)"
echo "ok: an s3:// wal-fetch loads libwale-s3.so and libcurl"

# The same binary without its plugins: file:// WAL commands still work; the
# others end in one line and a non-zero exit.
mkdir -p "$work/bin"
cp "$WALE_BIN" "$work/bin/wal-e"
lonely=$work/bin/wal-e
rm -f "$work/pg_wal/RECOVERYHISTORY"
"$lonely" wal-fetch 00000002.history "$work/pg_wal/RECOVERYHISTORY" 2> /dev/null \
  || fail "wal-fetch on a local directory needs a plugin"
expect_missing() {  # expect_missing WANT_EXIT_TEST CMD...
  local test=$1; shift
  local rc=0
  "$@" > /dev/null 2> "$work/err" || rc=$?
  eval "[ $rc $test ]" || { cat "$work/err" >&2; fail "$* exited $rc, want $test"; }
  [ "$(grep -c . "$work/err")" = 1 ] || { cat "$work/err" >&2; fail "$* printed not one line"; }
  grep -q "could not load wal-e's plugin .*libwale-" "$work/err" || { cat "$work/err" >&2; fail "$*: no clear line"; }
  echo "ok: $* without plugins: exit $rc, $(cat "$work/err")"
}
expect_missing '-gt 125' "${s3_env[@]}" "$lonely" wal-fetch 00000003.history "$work/pg_wal/RECOVERYXLOG"
expect_missing '-ne 0' "${s3_env[@]}" "$lonely" wal-push "$work/pg_wal/00000002.history"
expect_missing '-ne 0' "$lonely" backup-list
# A plugin of another wal-e version is refused, not called.
if [ -n "${WALE_FOREIGN_PLUGIN:-}" ]; then
  bash "$(dirname "$0")/../../scripts/copy-wal-e.sh" "$WALE_BIN" "$work/foreign"
  target=$(find "$work/foreign" -name libwale-s3.so)
  cp "$WALE_FOREIGN_PLUGIN" "$target"
  expect_missing '-gt 125' "${s3_env[@]}" "$work/foreign/bin/wal-e" wal-fetch 00000003.history "$work/pg_wal/RECOVERYXLOG"
  grep -q "it is of wal-e 0.0.0-foreign, not of wal-e" "$work/err" || fail "the foreign plugin's version is not named"
else
  echo "note: WALE_FOREIGN_PLUGIN not set: the version check is not tested" >&2
fi
echo "PASS"
