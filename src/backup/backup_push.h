// backup-push: a non-exclusive base backup of a running cluster into a store.
//
// Sequence: check the cluster (a data directory, archiving on, the server's
// system identifier matches the directory's, and so does its role: a
// directory whose pg_control says "in archive recovery" is not a primary's,
// one that says "in production" not a standby's -- a standby shares its
// primary's identifier), pg_backup_start on one held
// connection, upload extended_version.txt (at once: from then on `delete`
// sees a running backup and keeps the WAL from its start), stream the files as compressed tar
// partitions, pg_backup_stop, upload a last partition holding backup_label
// and tablespace_map, wait until every WAL segment from the start to the stop
// is in the archive (bounded: a broken archive_command, or WAL deleted
// meanwhile, gives a clear error, not a hang), check that the stop segment
// belongs to this cluster (system identifier in its page header), write the
// permanent marker if asked (before the sentinel, so a permanent backup is
// never briefly deletable), then write the sentinel (create-only). Before
// the manifest and again before the sentinel every partition must still be
// the object this run stored (same size and time in a stat as right after
// its upload), and no other partition may exist: a concurrent backup-push
// of the same name (a standby between two restartpoints) that replaced them
// gets this run Error{Conflict}, never a sentinel over a mix of two runs. Without the sentinel the backup does not
// exist, so any failure before it leaves nothing a restore could pick up.
//
// From a hot standby (the server is in recovery) the same sequence runs; the
// stop segment is archived only when the primary finishes it (a standby
// cannot switch WAL), so the wait relies on the primary's archive_timeout or
// traffic. A standby promoted during the backup gets no sentinel. The sentinel
// records is_standby.
//
// --while-offline (options.while_offline): the cluster must be stopped
// cleanly (no live postmaster; pg_control says "shut down" or "shut down in
// recovery"). The start is the latest checkpoint's REDO location and the
// backup is named after it like an online backup; the stop is the end of the
// checkpoint record (or minRecoveryPoint for a stopped replica, if later).
// There is no backup_label: recovery starts at the checkpoint in pg_control.
// The WAL from start to stop is copied from pg_wal into the backup, because a
// clean shutdown writes its checkpoint into a segment that is archived only
// after the server runs again; so nothing is waited for, and the backup
// restores on its own and rolls forward with the archive. pg_control must be
// unchanged (and no postmaster running) when the files are uploaded, else no
// sentinel.
//
// In every backup global/pg_control is read last (after all other files), as
// pg_basebackup does: a standby backup's end point is the minRecoveryPoint in
// the copied pg_control. PostgreSQL rewrites pg_control in place, so the copy
// is read again until its CRC holds (pg_control version 1300; other layouts
// are stored unchecked), else Error{Corrupt} and no sentinel.
// Throws wale::Error. One call per process; not reentrant.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"

#include "codec/codec.h"
#include "layout/archive_layout.h"
#include "layout/sentinel.h"
#include "pg/backup_control.h"
#include "pg/control_file.h"
#include "pg/lsn.h"
#include "store/object_store.h"

namespace wale::backup {

struct BackupPushOptions {
  std::string data_directory;
  codec::Codec codec = codec::Codec::Zstd;
  std::uint64_t partition_size = 1ULL << 30;
  std::uint64_t archive_wait_seconds = 600;
  bool fast_checkpoint = true;
  std::string conninfo;               // empty: libpq environment
  bool permanent = false;             // mark the backup permanent before its sentinel is written
  unsigned pool_size = 2;             // partitions read, compressed and uploaded at once
  std::uint64_t read_rate_limit = 0;  // bytes/s for the whole backup; 0 = unlimited
  bool show_progress = false;         // a progress line on stderr
  bool while_offline = false;         // back up a cleanly stopped cluster (no connection)
};

struct BackupPushResult {
  layout::BackupName name;
  layout::Sentinel sentinel;
};

BackupPushResult backup_push(store::ObjectStore& store, const BackupPushOptions& options,
                             std::shared_ptr<Clock> clock = system_clock());
// The same against `server` instead of a connection made from
// options.conninfo (unit tests pass a fake); with options.while_offline
// `server` is never used. Times (the label, the
// sentinel's start_time/finish_time) come from clock->wall_now().
BackupPushResult backup_push(store::ObjectStore& store, const BackupPushOptions& options, pg::BackupControl& server,
                             std::shared_ptr<Clock> clock = system_clock());

// The partition size to use: the configured maximum, lowered so that there are
// about four partitions per worker (balance), but not below 64 MiB.
std::uint64_t effective_partition_size(std::uint64_t configured_max, std::uint64_t total_bytes, unsigned pool_size);

// --while-offline's checks: throws Error{Conflict} if a live postmaster owns
// `dir` or pg_control's state is not "shut down"/"shut down in recovery".
pg::ControlFile check_stopped_cluster(const std::string& dir);

// Throws Error{Usage} unless `dir` looks like a PostgreSQL data directory.
void check_data_directory(const std::string& dir);

}  // namespace wale::backup
