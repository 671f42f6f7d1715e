// backup-verify and wal-verify: prove that what is kept can be restored.
//
// verify_backup() downloads every partition of a finished backup, checks that
// each decompresses and parses as tar, that every file matches the backup's
// manifest (size and CRC-32C; no file missing or unexpected), that no
// partition is missing, and that the WAL from the backup's start to its
// consistency point is in the archive. Problems are collected, not thrown
// (storage errors other than damage still throw wale::Error).
//
// verify_wal() runs archive::verify_wal (archive/wal_verify.h) from the
// first segment the oldest finished backup needs (first_needed_segment: for
// a WAL-E offline backup, segment 0 of its log), with the segment size the
// newest sentinel records.
// Thread-safe if the store is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "archive/wal_verify.h"
#include "catalog/backup_catalog.h"
#include "store/object_store.h"

namespace wale::catalog {

struct VerifyProblem {
  std::string location;  // key or file the problem is in
  std::string what;
};

struct BackupVerifyReport {
  std::string backup;
  std::uint64_t partitions = 0;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t wal_segments = 0;
  bool has_manifest = false;
  std::vector<std::string> notes;
  std::vector<VerifyProblem> problems;
  bool ok() const { return problems.empty(); }
};

BackupVerifyReport verify_backup(store::ObjectStore& store, const BackupInfo& backup, unsigned pool_size);

// `segment_size` defaults to what the newest of our sentinels records (16 MiB
// for archives without one, as WAL-E's).
archive::WalVerifyReport verify_wal(store::ObjectStore& store,
                                    std::optional<std::uint64_t> segment_size = std::nullopt);

std::string backup_report_json(const std::vector<BackupVerifyReport>& reports);
std::string backup_report_text(const std::vector<BackupVerifyReport>& reports);

}  // namespace wale::catalog
