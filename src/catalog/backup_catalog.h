// The catalogue of finished backups in a store: those with a sentinel.
// A backup without its sentinel does not exist here.
// Functions are thread-safe if the store is; they throw wale::Error.
#pragma once

#include <chrono>
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

// WAL-E's backup-list output: tab-separated with a header row, \r\n line ends.
std::string format_backup_list_tsv(const std::vector<BackupInfo>& backups);
// The same columns aligned for a terminal (backup-list on a tty).
std::string format_backup_list_table(const std::vector<BackupInfo>& backups);
// JSON array with the name, last_modified and every sentinel field.
std::string format_backup_list_json(const std::vector<BackupInfo>& backups);
// "2026-11-24T06:34:30.753169", UTC, as WAL-E prints last_modified.
std::string iso_utc(std::chrono::system_clock::time_point t);

}  // namespace wale::catalog
