#!/usr/bin/env bash
# Runs every test: unit and contract tests (also under ASan+UBSan) and the
# integration tests against a real PostgreSQL 15. One ctest run reports all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)

# Sanitizer build of the unit/contract tests.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWALE_WERROR=ON -DWALE_SANITIZE=ON -DWALE_INTEGRATION=OFF >/dev/null
cmake --build build-asan -j "$jobs" --target wale_unit_tests

# Main build; its ctest also runs the sanitizer binary as test "unit.asan".
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALE_WERROR=ON \
  -DWALE_ASAN_UNIT_TESTS="$PWD/build-asan/tests/wale_unit_tests" >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 900 "$@"
