#!/usr/bin/env bash
# stop-radosgw.sh DIR: stops what start-radosgw.sh DIR started (rgw, then OSD, then mon,
# by the PIDs it recorded) and removes DIR's data.
set -uo pipefail
D=${1:?usage: stop-radosgw.sh DIR}
[ -f "$D/env" ] || exit 0
# shellcheck disable=SC1091
PIDS=$(. "$D/env"; echo "$PIDS")
for pid in $PIDS; do
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
done
rm -rf "$D"
echo "stop-radosgw: stopped $PIDS"
