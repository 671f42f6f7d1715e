// BackupSession: a non-exclusive base backup held on one Connection.
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

#include "pg/connection.h"
#include "pg/lsn.h"

namespace wale::pg {

struct BackupStart {
  Lsn lsn;
  std::uint32_t timeline = 0;
  std::string wal_file;     // segment holding lsn
  std::uint64_t wal_offset = 0;  // byte offset of lsn inside wal_file
};

struct BackupStop {
  Lsn lsn;
  std::uint32_t timeline = 0;  // of wal_file
  bool in_recovery = false;    // standby sessions: still a standby after pg_backup_stop
  std::string wal_file;
  std::uint64_t wal_offset = 0;
  std::string backup_label;
  std::string tablespace_map;
};

class BackupSession {
 public:
  explicit BackupSession(Connection& conn) : conn_(conn) {}
  // `in_recovery`: the server is a standby (ServerInfo::in_recovery).
  BackupStart start(const std::string& label, bool fast_checkpoint, bool in_recovery = false,
                    std::uint64_t segment_size = kDefaultSegmentSize);
  BackupStop stop();

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
struct ServerInfo {
  int version_num = 0;
  std::string version;          // SELECT version()
  std::string data_directory;   // SHOW data_directory
  std::uint64_t segment_size = kDefaultSegmentSize;
  std::string system_identifier;
  bool in_recovery = false;
  bool archiving = false;       // archive_mode on/always with a command or library
};
ServerInfo read_server_info(Connection& conn);

}  // namespace wale::pg
