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
    throw Error(ErrorCode::Postgres, "PostgreSQL " + std::to_string(info.version_num) + " is too old", {},
                "wal-e supports PostgreSQL 10 and newer.");
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
  info.segment_size =
      parse_byte_count(seg, "the server's wal_segment_size", 1ULL << 20, 1ULL << 30, ErrorCode::Postgres);
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

BackupStart BackupSession::start(const std::string& label, bool fast_checkpoint, bool in_recovery,
                                 std::uint64_t segment_size) {
  std::string fast = fast_checkpoint ? "true" : "false";
  std::string call = conn_.server_version_num() >= 150000 ? "pg_backup_start($1, " + fast + ")"
                                                          : "pg_start_backup($1, " + fast + ", false)";
  in_recovery_ = in_recovery;
  segment_size_ = segment_size;
  BackupStart out;
  if (in_recovery) {
    // A standby starts the backup at its last restartpoint's REDO, on that
    // restartpoint's timeline. backup-push checks the name against the
    // backup_label that pg_backup_stop returns.
    auto row = conn_.query_row("SELECT " + call + "::text", {label});
    started_ = true;
    out.lsn = Lsn::parse(row[0]);
    auto tli = conn_.query_row("SELECT timeline_id::text FROM pg_control_checkpoint()");
    out.timeline = static_cast<std::uint32_t>(
        parse_uint(tli[0], "pg_control_checkpoint's timeline_id", 1, UINT32_MAX, ErrorCode::Postgres));
    out.wal_file = WalSegment::from_lsn(out.timeline, out.lsn, segment_size).file_name();
    out.wal_offset = out.lsn.value % segment_size;
    return out;
  }
  auto row = conn_.query_row(
      "SELECT s.lsn::text, w.file_name, w.file_offset::text "
      "FROM (SELECT " +
          call + " AS lsn) s, pg_walfile_name_offset(s.lsn) w",
      {label});
  started_ = true;
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
  std::string call = conn_.server_version_num() >= 150000 ? "pg_backup_stop(false)" : "pg_stop_backup(false, false)";
  BackupStop out;
  if (in_recovery_) {
    // PostgreSQL itself refuses (ERROR) if the standby was promoted meanwhile.
    auto row = conn_.query_row("SELECT s.lsn::text, s.labelfile, coalesce(s.spcmapfile, '') FROM " + call + " s");
    started_ = false;
    out.lsn = Lsn::parse(row[0]);
    out.backup_label = row[1];
    out.tablespace_map = row[2];
    auto rec = conn_.query_row(
        "SELECT pg_is_in_recovery()::text, min_recovery_end_timeline::text "
        "FROM pg_control_recovery()");
    out.in_recovery = rec[0] == "true";
    out.timeline = static_cast<std::uint32_t>(
        parse_uint(rec[1], "pg_control_recovery's min_recovery_end_timeline", 0, UINT32_MAX, ErrorCode::Postgres));
    // The stop position is the end of the last record replayed: the WAL up
    // to it ends in the segment before a boundary (XLByteToPrevSeg).
    Lsn last_byte{out.lsn.value > 0 ? out.lsn.value - 1 : 0};
    auto seg = WalSegment::from_lsn(out.timeline, last_byte, segment_size_);
    out.wal_file = seg.file_name();
    out.wal_offset = out.lsn.value - seg.start_lsn().value;
    return out;
  }
  auto row = conn_.query_row(
      "SELECT s.lsn::text, s.labelfile, coalesce(s.spcmapfile, ''), w.file_name, "
      "w.file_offset::text FROM " +
      call + " s, pg_walfile_name_offset(s.lsn) w");
  started_ = false;
  out.lsn = Lsn::parse(row[0]);
  out.backup_label = row[1];
  out.tablespace_map = row[2];
  out.wal_file = row[3];
  out.wal_offset = parse_uint(row[4], "pg_walfile_name_offset's file_offset", 0, UINT32_MAX, ErrorCode::Postgres);
  auto timeline = to_uint64(out.wal_file.substr(0, 8), 16);
  out.timeline = timeline && *timeline <= UINT32_MAX ? static_cast<std::uint32_t>(*timeline) : 0;
  return out;
}

std::string backup_label_start_file(const std::string& label) {
  const std::string key = "START WAL LOCATION: ";
  auto at = label.find(key);
  if (at == std::string::npos) return {};
  auto eol = label.find('\n', at);
  std::string line = label.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
  auto file = line.find("(file ");
  auto close = line.find(')', file);
  if (file == std::string::npos || close == std::string::npos) return {};
  return line.substr(file + 6, close - file - 6);
}

}  // namespace wale::pg
