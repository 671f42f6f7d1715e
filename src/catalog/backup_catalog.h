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
#include "pg/lsn.h"
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

// The first WAL segment a finished backup needs: its start segment, except
// for WAL-E's offline backups, named after a mis-parsed position that can be
// ahead of their real start (a WAL-E sentinel -- no format -- whose stop
// equals the name's segment; wal-e-spec 2.1): segment 0 of the log the name
// gives, never later than the real start. nullopt if the name's segment does
// not parse with this segment size. `sentinel` may be null (none read).
std::optional<pg::WalSegment> first_needed_segment(const layout::BackupName& name, const layout::Sentinel* sentinel,
                                                   std::uint64_t segment_size);
// Whether a finished backup has WAL-E's offline signature (above).
bool walE_offline_backup(const layout::BackupName& name, const layout::Sentinel* sentinel);
// Whether a backup name can be one of WAL-E's offline names (their offset
// repeats the segment's last 8 digits): only then is the sentinel worth
// reading for first_needed_segment.
bool may_be_walE_offline_name(const layout::BackupName& name);

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
