// BackupSession: a non-exclusive base backup held on one Connection (the
// BackupControl that backup-push uses against a real server).
//
// start() calls pg_backup_start (15+) or pg_start_backup(label, fast, false)
// (10-14); stop() calls pg_backup_stop(false) / pg_stop_backup(false, false)
// and returns backup_label and tablespace_map contents. The session borrows
// the connection (must outlive it). If the session is destroyed, or the
// connection closes, before stop(), PostgreSQL aborts the backup itself.
// Waiting for WAL archiving is the caller's job (see backup/), so that a
// broken archive_command produces a clear timeout instead of a hang.
// On a standby (in_recovery) pg_walfile_name_offset is not available: the
// file names come from the LSNs and timelines (start: the last restartpoint's
// timeline; stop: minRecoveryPoint's, the stop position PostgreSQL returns on
// a standby), and stop() reports whether the server was still in recovery.
// Thread safety: one thread. Failures throw Error{Postgres}.
#pragma once

#include <string>

#include "pg/backup_control.h"
#include "pg/connection.h"
#include "pg/lsn.h"

namespace wale::pg {

class BackupSession final : public BackupControl {
 public:
  explicit BackupSession(Connection& conn) : conn_(conn) {}
  ServerInfo server_info() override;
  BackupStart start(const std::string& label, bool fast_checkpoint, bool in_recovery,
                    std::uint64_t segment_size) override;
  BackupStop stop() override;

 private:
  Connection& conn_;
  bool started_ = false;
  bool in_recovery_ = false;
  std::uint64_t segment_size_ = kDefaultSegmentSize;
};

// The "START WAL LOCATION: ... (file NAME)" file name of a backup_label, or
// "" when it has none.
std::string backup_label_start_file(const std::string& backup_label);

// Facts about the server a backup needs; throws Error{Postgres}/{Config}.
ServerInfo read_server_info(Connection& conn);

}  // namespace wale::pg
