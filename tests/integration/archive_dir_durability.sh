#!/usr/bin/env bash
# The local store makes every directory it creates durable: after mkdir of a
# new archive directory (wal_005/, basebackups_005/<name>/tar_partitions/...)
# its parent is fsynced, so that a crash cannot lose a directory whose files
# were already reported stored. Checked with strace on a real wal-push into a
# fresh archive: every successful mkdir under the archive is followed by an
# fsync of a descriptor opened on that directory's parent.
source "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || fail "strace is not installed (scripts/install-deps.sh installs it)"

init_cluster "$WORK/pg" 5471
seg=$(cd "$WORK/pg/pg_wal" && ls | grep -E '^[0-9A-F]{24}$' | head -n 1)
[ -n "$seg" ] || fail "initdb made no WAL segment"

trace="$WORK/strace.out"
# strace runs as root (-u: the traced command as postgres) because wal-e makes
# itself non-dumpable, which keeps an unprivileged tracer from reading its memory.
[ "$(id -u)" = 0 ] || fail "this test needs root (strace of a non-dumpable process)"
(cd "$WORK/pg" && strace -u postgres -f -qq -e trace=mkdir,mkdirat,openat,fsync -o "$trace" \
  "$WALE" --terse --envdir "$ENVDIR" wal-push --pool-size 1 "pg_wal/$seg") || fail "wal-push failed"

# Pairs of (directory created, parent) and whether the parent was fsynced after it.
awk -v root="$ARCHIVE" '
  # mkdir("/a/b", 0700) = 0     or    mkdirat(AT_FDCWD, "/a/b", 0700) = 0
  /mkdir(at)?\(/ && / = 0$/ {
    if (match($0, /"[^"]*"/)) {
      d = substr($0, RSTART + 1, RLENGTH - 2)
      if (index(d, root "/") == 1 || d == root) { n++; dir[n] = d; p = d; sub(/\/[^\/]*$/, "", p); parent[n] = p; synced[n] = 0 }
    }
    next
  }
  # openat(AT_FDCWD, "/a", O_RDONLY|O_DIRECTORY|O_CLOEXEC) = 5
  /openat\(/ && /O_DIRECTORY/ && / = [0-9]+$/ {
    if (match($0, /"[^"]*"/)) { path = substr($0, RSTART + 1, RLENGTH - 2); fd = $NF; pid = $1; open_path[pid, fd] = path }
    next
  }
  # fsync(5) = 0
  /fsync\(/ && / = 0$/ {
    pid = $1; f = $2; sub(/^fsync\(/, "", f); sub(/\).*/, "", f)
    path = open_path[pid, f]
    for (i = 1; i <= n; i++) if (!synced[i] && parent[i] == path) synced[i] = 1
  }
  END {
    bad = 0
    for (i = 1; i <= n; i++) { printf "%s %s\n", (synced[i] ? "synced" : "NOT-SYNCED"), dir[i]; if (!synced[i]) bad = 1 }
    if (n == 0) { print "no directory was created under " root; bad = 1 }
    exit bad
  }' "$trace" >"$WORK/dirs.txt" || { cat "$WORK/dirs.txt"; fail "a new archive directory was not fsynced into its parent"; }
cat "$WORK/dirs.txt"
grep -q "synced $ARCHIVE/wal_005$" "$WORK/dirs.txt" || fail "wal_005 was not created by the push"
pass "every directory wal-push created in the archive was fsynced into its parent"
