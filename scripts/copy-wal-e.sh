#!/usr/bin/env bash
# copy-wal-e.sh SRC DEST: copies the wal-e binary SRC to DEST/bin/wal-e
# together with its plugins (app/plugin.h), which the binary loads from
# <its directory>/../lib/[<multiarch>/]wal-e/: the same relative directory
# under DEST. For tests and benchmarks that run wal-e from a directory the
# postgres user can read. Mode 755.
set -euo pipefail
src=${1:?usage: copy-wal-e.sh SRC DEST}
dest=${2:?usage: copy-wal-e.sh SRC DEST}
srcdir=$(dirname "$src")
mkdir -p "$dest/bin"
cp "$src" "$dest/bin/wal-e"
chmod 755 "$dest/bin/wal-e"
found=0
for dir in "$srcdir"/../lib/wal-e "$srcdir"/../lib/*/wal-e; do
  [ -d "$dir" ] || continue
  rel=${dir#"$srcdir/../"}
  mkdir -p "$dest/$rel"
  cp "$dir"/libwale-*.so "$dest/$rel/"
  chmod 755 "$dest/$rel"/libwale-*.so
  found=1
done
[ "$found" = 1 ] || { echo "copy-wal-e.sh: no plugin directory ../lib/[*/]wal-e next to $src" >&2; exit 1; }
