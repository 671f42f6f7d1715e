// Retention: which objects `delete` removes, decided safely.
//
// Rules (safe by construction):
//  - Only finished backups (with a sentinel) count as backups; permanent ones
//    (a basebackups_005/<name>/permanent marker) are never deleted, nor the
//    WAL they need.
//  - WAL files (segments, .backup, .partial) are deleted only below the
//    oldest remaining backup's start segment: a backup needs nothing older,
//    on any timeline. .history files are never deleted. With no backup left,
//    no WAL is deleted.
//  - WAL-E's offline backups are named after a mis-parsed position that can
//    be ahead of their real start; for a WAL-E sentinel whose stop equals its
//    start (the offline signature) the start is taken as segment 0 of that
//    log, which is never later than the real one.
//  - Unfinished backups (no sentinel) whose newest object is older than the
//    grace period are removed with `before`/`retain`.
// plan_delete() only reads; execute_delete() removes keys in batches of 1000.
// Throws wale::Error (Usage for a bad request, NotFound for an unknown name).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "store/object_store.h"

namespace wale::backup {

enum class DeleteMode { Before, Retain, Everything, OldVersions };

struct DeleteRequest {
  DeleteMode mode = DeleteMode::Retain;
  std::string before;  // Before: a backup name or an ISO 8601 time
  unsigned retain = 0;  // Retain: how many finished backups to keep (>= 1)
  std::chrono::seconds unfinished_grace{24 * 3600};
};

struct DeletePlan {
  std::vector<std::string> backups;             // finished backups to delete
  std::vector<std::string> unfinished_backups;  // abandoned, no sentinel
  std::vector<std::string> kept_backups;
  std::string wal_horizon;  // WAL below this (TLI-less log+seg, 16 hex) is deleted; empty: none
  std::vector<std::string> keys;  // every key to delete, sentinels first
  std::size_t wal_keys = 0;
};

DeletePlan plan_delete(store::ObjectStore& store, const DeleteRequest& request,
                       std::chrono::system_clock::time_point now);
void execute_delete(store::ObjectStore& store, const DeletePlan& plan);

// The permanent marker of a backup.
std::string permanent_marker_key(const std::string& backup_name);
// Marks (or unmarks) a finished backup permanent. Throws Error{NotFound}.
void mark_backup(store::ObjectStore& store, const std::string& backup_name, bool permanent);

// Parses "2026-11-24T10:15:00Z", "2026-11-24 10:15:00+00", "2026-11-24"; throws Error{Usage}.
std::chrono::system_clock::time_point parse_time(const std::string& text);

}  // namespace wale::backup
