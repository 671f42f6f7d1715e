#include "pg/backup_session.h"

#include <climits>
#include <cstdlib>

#include "core/error.h"
#include "core/number.h"

namespace wale::pg {

ServerInfo read_server_info(Connection& conn) {
  ServerInfo info;
  info.version_num = conn.server_version_num();
  if (info.version_num < 100000) {
    throw Error(ErrorCode::Postgres, "PostgreSQL " + std::to_string(info.version_num) + " is too old",
                {}, "wal-e supports PostgreSQL 10 and newer.");
  }
  auto row = conn.query_row(
      "SELECT version(), current_setting('data_directory'), "
      "current_setting('wal_segment_size'), system_identifier::text, pg_is_in_recovery()::text, "
      "current_setting('archive_mode'), current_setting('archive_command'), "
      "coalesce(current_setting('archive_library', true), '') "
      "FROM pg_control_system()");
  info.version = row[0];
  info.data_directory = row[1];
  // wal_segment_size is shown with a unit ("16MB").
  std::string seg = row[2];
  // PostgreSQL allows powers of two from 1 MB to 1 GB; anything else would break segment arithmetic.
  info.segment_size = parse_byte_count(seg, "the server's wal_segment_size", 1ULL << 20, 1ULL << 30, ErrorCode::Postgres);
  if ((info.segment_size & (info.segment_size - 1)) != 0) {
    throw Error(ErrorCode::Postgres, "the server's wal_segment_size is not a power of two, got \"" + seg + "\"");
  }
  info.system_identifier = row[3];
  info.in_recovery = row[4] == "true";
  bool mode_on = row[5] == "on" || row[5] == "always";
  bool has_command = !row[6].empty() && row[6] != "(disabled)";
  info.archiving = mode_on && (has_command || !row[7].empty());
  return info;
}

ServerInfo BackupSession::server_info() { return read_server_info(conn_); }

BackupStart BackupSession::start(const std::string& label, bool fast_checkpoint) {
  std::string fast = fast_checkpoint ? "true" : "false";
  std::string call = conn_.server_version_num() >= 150000
                         ? "pg_backup_start($1, " + fast + ")"
                         : "pg_start_backup($1, " + fast + ", false)";
  auto row = conn_.query_row("SELECT s.lsn::text, w.file_name, w.file_offset::text "
                             "FROM (SELECT " + call + " AS lsn) s, pg_walfile_name_offset(s.lsn) w",
                             {label});
  started_ = true;
  BackupStart out;
  out.lsn = Lsn::parse(row[0]);
  out.wal_file = row[1];
  out.wal_offset = parse_uint(row[2], "pg_walfile_name_offset's file_offset", 0, UINT32_MAX, ErrorCode::Postgres);
  auto timeline = to_uint64(row[1].substr(0, 8), 16);
  if (row[1].size() != 24 || !timeline || *timeline == 0 || *timeline > UINT32_MAX) {
    throw Error(ErrorCode::Postgres, "the server returned an invalid WAL file name \"" + row[1] + "\"");
  }
  out.timeline = static_cast<std::uint32_t>(*timeline);
  return out;
}

BackupStop BackupSession::stop() {
  if (!started_) throw Error(ErrorCode::Internal, "backup stop without start");
  std::string call = conn_.server_version_num() >= 150000 ? "pg_backup_stop(false)"
                                                          : "pg_stop_backup(false, false)";
  auto row = conn_.query_row("SELECT s.lsn::text, s.labelfile, coalesce(s.spcmapfile, ''), w.file_name, "
                             "w.file_offset::text FROM " + call + " s, pg_walfile_name_offset(s.lsn) w");
  started_ = false;
  BackupStop out;
  out.lsn = Lsn::parse(row[0]);
  out.backup_label = row[1];
  out.tablespace_map = row[2];
  out.wal_file = row[3];
  out.wal_offset = parse_uint(row[4], "pg_walfile_name_offset's file_offset", 0, UINT32_MAX, ErrorCode::Postgres);
  return out;
}

}  // namespace wale::pg
