#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the demo need.
# Idempotent: packages already present are left alone; safe to re-run.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake make pkg-config git ca-certificates
  # fuzzing (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # libraries we link (see docs/dependencies.md for why each)
  libpq-dev liblzo2-dev liblz4-dev libzstd-dev libssl-dev libcurl4-openssl-dev
  libarchive-dev libxxhash-dev nlohmann-json3-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libexpat1-dev
  libsodium-dev
  # real components the tests use as oracles and servers
  postgresql-15 postgresql-client-15 lzop lz4 zstd gnupg curl procps util-linux bsdutils tar python3 strace
  # S3 driver tests: a one-node Ceph radosgw, and openssl for the TLS test certificate
  radosgw ceph-mon ceph-osd openssl
  # the man page's render check (docs/check-man-page.sh): groff, and man for `man -l`
  groff-base man-db
  # formatting check (ctest format.check, scripts/format.sh): clang-format 14
  clang-format
  # Debian package (CPack): dpkg-shlibdeps computes its Depends; test integration.package
  dpkg-dev
  # the archive module (pgmodule/): PostgreSQL server headers, found by pg_config
  postgresql-server-dev-15
  # benchmark (bench/run.sh): the tool compared with, start-up timing, peak RSS
  pgbackrest
  hyperfine
  time
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql-common creates a default cluster on install; our tests make their own.
echo "install-deps: done"
