#!/usr/bin/env bash
# Runs every test: unit and contract tests (also under ASan+UBSan), the
# integration tests against a real PostgreSQL 15, the formatting check and the
# Debian package round trip. One ctest run reports all.
# A compiler cache is used if CMAKE_CXX_COMPILER_LAUNCHER is set in the
# environment (e.g. =ccache): CMake reads it when a build tree is first configured.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)

# Sanitizer build of the unit/contract tests.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWALE_WERROR=ON -DWALE_SANITIZE=ON -DWALE_INTEGRATION=OFF >/dev/null
cmake --build build-asan -j "$jobs" --target wale_unit_tests

# The builds packagers and users make (Release, Debug), here with warnings as
# errors; only the product (-DBUILD_TESTING=OFF), so they add little time.
# The Release tree is the one test integration.package packages and installs.
for type in Release Debug; do
  dir=build-${type,,}
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=$type -DWALE_WERROR=ON -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$dir" -j "$jobs"  # the product: wal-e, its man page, the archive module
done

# Main build; its ctest also runs the sanitizer binary as test "unit.asan".
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALE_WERROR=ON \
  -DWALE_ASAN_UNIT_TESTS="$PWD/build-asan/tests/wale_unit_tests" \
  -DWALE_PACKAGE_BUILD_DIR="$PWD/build-release" >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 900 "$@"
