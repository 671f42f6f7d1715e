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
// Sizes are captured here (lstat) to cut partitions; each file is stored at
// its size when opened (write_partition), cut or NUL-padded only if it changes
// while read (WAL replay repairs relation files). Files that vanish while
// walking are skipped. Throws Error{Io} for unreadable directories.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/string_arena.h"

#include "layout/sentinel.h"

namespace wale::backup {

// One entry of a plan, as added to and read back from a FileList.
struct PlannedEntry {
  enum class Type : std::uint8_t { Directory, File, Symlink };
  Type type = Type::File;
  std::string tar_name;     // relative, e.g. "base/5/1259" or "pg_tblspc/16389/PG_15_.../..."
  std::string source_path;  // absolute path to read (FileList::at: root + "/" + tar_name)
  std::uint64_t size = 0;   // files: bytes at planning time
  mode_t mode = 0;
  std::int64_t mtime = 0;
  std::string link_target;  // symlinks
};

// The entries of a backup in walk order, compactly (about 40 bytes plus the
// name's length per entry: a data directory of a million files costs tens of
// MiB, not hundreds). Each entry is read from root + "/" + its tar name.
// Each file also carries what the manifest lists about it once stored
// (record()). Indices never change. add() is not thread-safe; once every entry
// is added, reading is, and record() may run in many threads for distinct
// entries.
class FileList {
 public:
  explicit FileList(std::string root = {}) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }

  void add(const PlannedEntry& e);  // e.source_path is ignored
  std::size_t size() const { return recs_.size(); }
  PlannedEntry at(std::size_t i) const;
  std::string_view tar_name(std::size_t i) const { return names_.view(recs_[i].name, recs_[i].name_len); }
  PlannedEntry::Type type(std::size_t i) const { return recs_[i].type; }
  std::uint64_t file_size(std::size_t i) const { return recs_[i].size; }
  // The first file named `tar_name` (a linear search), if any.
  std::optional<std::size_t> find_file(std::string_view tar_name) const;

  // An excluded entry keeps its index but is in no partition (global/pg_control
  // is copied last, by itself).
  void exclude(std::size_t i) { recs_[i].flags |= kExcluded; }
  bool excluded(std::size_t i) const { return (recs_[i].flags & kExcluded) != 0; }

  // The file was stored with this CRC-32C (of its planned size of bytes): the
  // manifest lists it. The second form also sets what is stored.
  void record(std::size_t i, std::uint32_t crc) {
    recs_[i].crc = crc;
    recs_[i].flags |= kRecorded;
  }
  void record(std::size_t i, std::uint64_t size, std::int64_t mtime, std::uint32_t crc) {
    recs_[i].size = size;
    recs_[i].mtime = mtime;
    record(i, crc);
  }
  bool recorded(std::size_t i) const { return (recs_[i].flags & kRecorded) != 0; }
  std::uint32_t crc(std::size_t i) const { return recs_[i].crc; }
  std::int64_t mtime(std::size_t i) const { return recs_[i].mtime; }

 private:
  static constexpr std::uint8_t kExcluded = 1, kRecorded = 2;
  struct Rec {
    std::uint64_t name = 0;  // StringArena handle
    std::uint64_t size = 0;
    std::int64_t mtime = 0;
    std::uint32_t crc = 0;
    std::uint32_t name_len = 0;
    std::uint16_t mode = 0;
    PlannedEntry::Type type = PlannedEntry::Type::File;
    std::uint8_t flags = 0;
  };
  std::string root_;
  StringArena names_;
  std::deque<Rec> recs_;                      // a deque: growing never copies a million entries
  std::map<std::size_t, std::string> links_;  // symlink targets by index (few)
};

struct BackupPlan {
  FileList entries;
  layout::Spec spec;
  std::uint64_t total_file_bytes = 0;
  std::uint64_t file_count = 0;
};

BackupPlan plan_backup(const std::string& data_directory);

// A partition: the entries [begin, end) of a FileList (excluded ones skipped).
struct Partition {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::uint64_t bytes = 0;  // file data
};

// Splits the list into partitions of at most `max_bytes` of file data each
// (a single larger file gets a partition of its own). Keeps walk order.
std::vector<Partition> partition_plan(const FileList& entries, std::uint64_t max_bytes);

}  // namespace wale::backup
