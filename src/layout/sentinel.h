// The backup completion marker (..._backup_stop_sentinel.json).
//
// WAL-E's fields come first, in WAL-E's order, so WAL-E and WAL-G can read
// our sentinels: wal_segment_backup_stop, wal_segment_offset_backup_stop,
// expanded_size_bytes, spec. Ours follow. Unknown fields are ignored on read,
// and every field of ours is optional on read (WAL-E's sentinels lack them).
// Pure. parse() reads strictly: malformed JSON, a non-object, a field of the
// wrong type (null counts as absent), a number out of range (negative, fraction,
// segment_size not a power of two from 1 MiB to 1 GiB), a system identifier
// or tablespace OID that is not decimal digits, a tablespace link other than
// "pg_tblspc/<oid>", or a tablespace listed twice all throw
// Error{Corrupt, "backup sentinel is corrupt: ..."}; nothing else escapes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wale::layout {

struct TablespaceSpec {
  std::string oid;
  std::string loc;   // absolute directory, with trailing '/'
  std::string link;  // "pg_tblspc/<oid>" relative to base_prefix
};

struct Spec {
  std::string base_prefix;  // data directory with trailing '/'
  std::vector<TablespaceSpec> tablespaces;
};

struct Sentinel {
  // WAL-E's
  std::string wal_segment_backup_stop;
  std::string wal_segment_offset_backup_stop;
  std::optional<std::uint64_t> expanded_size_bytes;
  Spec spec;
  // ours (absent in WAL-E-written sentinels)
  std::string format;  // "wal-e-cpp/1"
  std::string start_lsn, stop_lsn;
  std::optional<std::uint32_t> timeline;
  std::optional<int> pg_version_num;
  std::string system_identifier;
  std::string start_time, finish_time;  // ISO 8601 UTC
  std::optional<std::uint64_t> compressed_size_bytes;
  std::string codec;
  std::optional<std::uint64_t> file_count;
  std::optional<std::uint32_t> partition_count;
  std::optional<std::uint64_t> segment_size;
  std::string hostname;
  std::string data_directory;
  std::string wal_segment_backup_start;
  std::string wal_segment_offset_backup_start;
  // How the backup was taken: from a hot standby (pg_backup_start on a server
  // in recovery, or --while-offline of a replica shut down in recovery), and
  // whether it was --while-offline (no backup_label: recovery starts at the
  // checkpoint in pg_control; the WAL holding it is in the backup's pg_wal).
  std::optional<bool> is_standby;
  std::optional<bool> while_offline;

  std::string to_json() const;
  // `what` names the object in errors, e.g. "backup sentinel <key>".
  static Sentinel parse(const std::string& json, const std::string& what = "backup sentinel");
};

// A spec in WAL-E's JSON shape, as --restore-spec FILE gives it. Same checks
// as the sentinel's spec; throws Error{Usage, "restore spec ..."}.
Spec parse_spec(const std::string& json);

}  // namespace wale::layout
