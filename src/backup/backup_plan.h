// Planning a base backup: which files of a data directory go into the backup,
// under which tar names, in which partition.
//
// Follows PostgreSQL's documented exclusions for base backups: the contents
// of pg_wal (the directory and pg_wal/archive_status are kept, empty),
// pg_replslot, pg_dynshmem, pg_notify, pg_serial, pg_snapshots, pg_subtrans,
// pg_stat_tmp; pgsql_tmp* files and directories' contents; postmaster.pid,
// postmaster.opts, backup_label, tablespace_map, backup_manifest,
// pg_internal.init, postgresql.auto.conf.tmp, current_logfiles.tmp; and
// wal-e's own .wal-e directories. Tablespaces (symlinks in pg_tblspc) are
// walked through the link and recorded in the spec, as WAL-E does.
// Sizes are captured here (lstat); the tar writer pads or truncates files
// that change later (WAL replay repairs them). Files that vanish while
// walking are skipped. Throws Error{Io} for unreadable directories.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "layout/sentinel.h"

namespace wale::backup {

struct PlannedEntry {
  enum class Type { Directory, File, Symlink };
  Type type = Type::File;
  std::string tar_name;     // relative, e.g. "base/5/1259" or "pg_tblspc/16389/PG_15_.../..."
  std::string source_path;  // absolute path to read
  std::uint64_t size = 0;   // files: bytes at planning time
  mode_t mode = 0;
  std::int64_t mtime = 0;
  std::string link_target;  // symlinks
};

struct BackupPlan {
  std::vector<PlannedEntry> entries;
  layout::Spec spec;
  std::uint64_t total_file_bytes = 0;
  std::uint64_t file_count = 0;
};

BackupPlan plan_backup(const std::string& data_directory);

// Splits entries into partitions of at most `max_bytes` of file data each
// (a single larger file gets a partition of its own). Keeps walk order.
// Takes the entries by value: pass std::move(plan.entries) so that a plan of
// a million files is not held twice.
std::vector<std::vector<PlannedEntry>> partition_plan(std::vector<PlannedEntry> entries, std::uint64_t max_bytes);

}  // namespace wale::backup
