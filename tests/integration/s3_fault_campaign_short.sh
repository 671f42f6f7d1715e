#!/usr/bin/env bash
# The short fault campaign (scripts/fault-campaign.sh --short): a few dozen injected faults
# (signals, EIO, ENOSPC, damaged archive objects, S3 faults through wale_s3_fault_proxy, races)
# across wal-push, push-ahead, backup-push, backup-fetch, wal-fetch during recovery and delete,
# against real PostgreSQL 15 clusters and the radosgw of the CTest fixture. Fails if any
# invariant is violated (see docs/fault-campaign.md). FAULT_CAMPAIGN_SEED picks another seed.
set -euo pipefail
: "${WALE_BIN:?WALE_BIN must name the built wal-e binary}"
: "${FAULT_PROXY:?FAULT_PROXY must name wale_s3_fault_proxy}"
: "${WALE_S3_TEST_ENV:?WALE_S3_TEST_ENV must name the env file of the radosgw fixture}"
exec nice -n 10 bash "$(dirname "$0")/../../scripts/fault-campaign.sh" --short --seed "${FAULT_CAMPAIGN_SEED:-1}"
