// Retention: which objects `delete` removes, decided safely.
//
// Rules (safe by construction):
//  - Only finished backups (with a sentinel) count as backups; permanent ones
//    (a basebackups_005/<name>/permanent marker) are never deleted, nor the
//    WAL they need.
//  - Backups are ordered by timeline history (the .history files in wal_005/
//    give each timeline's parent and switch LSN). The current timeline is the
//    newest one the archive knows (WAL, history files or backups). Live are
//    the current timeline and every other one that archived a WAL segment
//    within the unfinished grace (a clone promoted into this archive can own
//    the highest timeline while production goes on with its parent). A
//    backup is on a live timeline's path when it is on that timeline, or on
//    an ancestor and consistent (its stop) at or before the point where that
//    ancestor ended; backups on no live path (abandoned branches) count as
//    older than every backup on one; within each group, by start position.
//    Unknown history of a live timeline: every backup counts as on its path.
//  - `retain N` keeps the newest N in that order; `before NAME` deletes the
//    backups before NAME in that order; `before TIME` deletes those finished
//    before TIME except the newest by time. None ever deletes the newest
//    backup on the path of a live timeline.
//  - A running backup is one without a sentinel whose newest object is
//    younger than the unfinished grace (backup-push writes
//    extended_version.txt right after pg_backup_start, so it shows at once).
//    Its objects are kept; older ones without a sentinel are deleted.
//  - A WAL file (segment, .partial, .backup) of timeline T and segment S is
//    kept when some kept or running backup B needs it: S >= B's start segment
//    and T is B's timeline or descends from it (a timeline without a history
//    file descends from everything: kept). The rest is deleted. .history
//    files are never deleted. With no finished backup kept, no WAL is deleted.
//  - WAL-E's offline backups are named after a mis-parsed position that can
//    be ahead of their real start; for a WAL-E sentinel whose stop equals its
//    start (the offline signature) the start is taken as segment 0 of that
//    log, which is never later than the real one; and as they also read the
//    timeline's decimal digits as hex (timeline 10 is named 00000010), that
//    position on the timeline those digits give in decimal is needed too.
//  - `everything` deletes every key listed under basebackups_005/ and
//    wal_005/ except a running backup's objects, and, while one runs, the
//    history files and every WAL file from its start on (any timeline).
//  - A WAL segment that a backup starting during `delete` needs may still be
//    deleted (it was not running when the backups were listed): backup-push
//    checks that every segment from its start to its stop is archived before
//    writing its sentinel, so such a backup fails instead of existing broken.
// plan_delete() only reads; execute_delete() first clears what interrupted
// writers left under basebackups_005/ and wal_005/ only
// (ObjectStore::remove_abandoned: never another application's uploads in a
// shared bucket), then removes keys in batches of 1000, every sentinel first
// in batches of their own (a batch that fails part-way then never takes a
// backup's files and leaves its sentinel).
// Throws wale::Error (Usage for a bad request, NotFound for an unknown name,
// Corrupt for a damaged timeline history file: nothing is deleted then).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "pg/lsn.h"
#include "store/object_store.h"

namespace wale::catalog {

enum class DeleteMode { Before, Retain, Everything, OldVersions };

struct DeleteRequest {
  DeleteMode mode = DeleteMode::Retain;
  std::string before;   // Before: a backup name or an ISO 8601 time
  unsigned retain = 0;  // Retain: how many finished backups to keep (>= 1)
  std::chrono::seconds unfinished_grace{24 * 3600};
};

// A kept or running backup's claim on WAL: from `start` on, on start's
// timeline and every timeline descending from it.
struct WalNeed {
  std::string backup;
  pg::WalSegment start;
  bool running = false;  // no sentinel yet, younger than the grace
};

struct DeletePlan {
  std::vector<std::string> backups;             // finished backups to delete
  std::vector<std::string> unfinished_backups;  // abandoned, no sentinel
  std::vector<std::string> kept_backups;        // finished, oldest first
  std::vector<std::string> running_backups;     // no sentinel, within the grace: kept
  std::uint32_t current_timeline = 1;
  std::vector<std::uint32_t> live_timelines;  // the current one first, then others still archiving
  std::vector<WalNeed> wal_needs;             // WAL that no need covers is deleted
  std::vector<std::string> keys;              // every key to delete, each backup's sentinel before its files
  std::size_t wal_keys = 0;
};

DeletePlan plan_delete(store::ObjectStore& store, const DeleteRequest& request,
                       std::chrono::system_clock::time_point now);
void execute_delete(store::ObjectStore& store, const DeletePlan& plan);

// Marks (or unmarks) a finished backup permanent. Throws Error{NotFound}.
void mark_backup(store::ObjectStore& store, const std::string& backup_name, bool permanent);

// Parses "2026-11-24T10:15:00Z", "2026-11-24 10:15:00+00", "2026-11-24"; throws Error{Usage}.
std::chrono::system_clock::time_point parse_time(const std::string& text);

}  // namespace wale::catalog
