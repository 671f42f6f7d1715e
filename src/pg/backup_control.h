// BackupControl: what a base backup needs from the server it copies -- facts
// about the server, and starting and stopping a non-exclusive backup. The
// seam between backup orchestration (backup/) and PostgreSQL: BackupSession
// implements it over a live Connection; unit tests implement it with a fake,
// so backup-push is tested without starting PostgreSQL.
// Contract: server_info() any time; stop() only after a successful start().
// One thread. Failures throw wale::Error (Error{Postgres} from the server).
#pragma once

#include <cstdint>
#include <string>

#include "pg/lsn.h"

namespace wale::pg {

struct BackupStart {
  Lsn lsn;
  std::uint32_t timeline = 0;
  std::string wal_file;          // segment holding lsn
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

// Facts about the server a backup needs.
struct ServerInfo {
  int version_num = 0;
  std::string version;         // SELECT version()
  std::string data_directory;  // SHOW data_directory
  std::uint64_t segment_size = kDefaultSegmentSize;
  std::string system_identifier;
  bool in_recovery = false;
  bool archiving = false;  // archive_mode on/always with a command or library
};

class BackupControl {
 public:
  virtual ~BackupControl() = default;
  virtual ServerInfo server_info() = 0;
  // `in_recovery`: the server is a standby (ServerInfo::in_recovery): WAL
  // file names are computed from the LSNs, as pg_walfile_name_offset() is not
  // allowed during recovery.
  virtual BackupStart start(const std::string& label, bool fast_checkpoint, bool in_recovery,
                            std::uint64_t segment_size) = 0;
  virtual BackupStop stop() = 0;
};

}  // namespace wale::pg
