// The catalogue of finished backups in a store: those with a sentinel.
// A backup without its sentinel does not exist here. Also the one place that
// reads a sentinel and lists a backup's tar partitions (for backup-fetch,
// backup-verify, retention and wal-verify), and backup-list's output formats.
// Reads only. Functions are thread-safe if the store is; they throw wale::Error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "layout/archive_layout.h"
#include "layout/sentinel.h"
#include "store/object_store.h"

namespace wale::catalog {

struct BackupInfo {
  layout::BackupName name;
  std::chrono::system_clock::time_point modified;  // the sentinel's
  std::optional<layout::Sentinel> sentinel;        // loaded when detail was asked
};

// Every finished backup, in key order. With `detail`, each sentinel is read.
std::vector<BackupInfo> list_backups(store::ObjectStore& store, bool detail);

// LATEST (newest sentinel) or an exact name; the sentinel is always loaded.
// Throws Error{NotFound}: "no backups found for fetching" / "backup NAME not found".
BackupInfo resolve_backup(store::ObjectStore& store, const layout::BackupQuery& query);

// The sentinel of backup `name`, or nullopt if it has none (any more).
// Throws Error{Corrupt} naming the key for a damaged sentinel.
std::optional<layout::Sentinel> read_sentinel(store::ObjectStore& store, const layout::BackupName& name);

// A stored tar partition of a backup.
struct PartitionObject {
  std::uint32_t number = 0;
  std::string key;
  std::uint64_t size = 0;  // stored bytes, as listed
};
// The tar partitions stored under `name`'s tar_partitions/, by number (gaps
// are the caller's to judge). Other keys there go to `on_unexpected` if given.
std::vector<PartitionObject> list_partitions(store::ObjectStore& store, const layout::BackupName& name,
                                             const std::function<void(const std::string& key)>& on_unexpected = {});

// WAL-E's backup-list output: tab-separated with a header row, \r\n line ends.
std::string format_backup_list_tsv(const std::vector<BackupInfo>& backups);
// The same columns aligned for a terminal (backup-list on a tty).
std::string format_backup_list_table(const std::vector<BackupInfo>& backups);
// JSON array with the name, last_modified and every sentinel field.
// last_modified is core/utc_time.h's format_iso_utc, as WAL-E prints it.
std::string format_backup_list_json(const std::vector<BackupInfo>& backups);

}  // namespace wale::catalog
