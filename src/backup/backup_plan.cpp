#include "backup/backup_plan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <set>

#include "core/error.h"
#include "io/file_streams.h"
#include "layout/spool_layout.h"

namespace wale::backup {
namespace {

const std::set<std::string, std::less<>> kExcludeDirContents = {"pg_stat_tmp", "pg_replslot",
                                                                "pg_dynshmem", "pg_notify",
                                                                "pg_serial",   "pg_snapshots",
                                                                "pg_subtrans", std::string(layout::kSpoolDirName)};

const std::set<std::string, std::less<>> kExcludeTopFiles = {"postmaster.pid",       "postmaster.opts",
                                                             "backup_label",         "tablespace_map",
                                                             "backup_manifest",      "postgresql.auto.conf.tmp",
                                                             "current_logfiles.tmp", "backup_label.old"};

bool starts_with(const std::string& s, std::string_view p) { return s.compare(0, p.size(), p) == 0; }

class Walker {
 public:
  explicit Walker(BackupPlan& plan) : plan_(plan) {}

  void add_dir(const std::string& tar_name, const struct stat& st) {
    PlannedEntry e;
    e.type = PlannedEntry::Type::Directory;
    e.tar_name = tar_name;
    e.mode = st.st_mode & 07777;
    e.mtime = st.st_mtim.tv_sec;
    plan_.entries.add(e);
  }

  // Walks dir (tar name prefix `rel`, "" for the top, else ending with '/').
  void walk(const std::string& dir, const std::string& rel, bool top) {
    // A directory that vanished while walking is simply empty (WAL replay recreates it).
    for (const auto& name : io::directory_names(dir)) {
      std::string path = dir + "/" + name;
      std::string tar_name = rel + name;
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) continue;
        throw_errno("could not stat file", path, errno);
      }
      if (top && kExcludeTopFiles.count(name)) continue;
      if (starts_with(name, "pgsql_tmp") && !S_ISDIR(st.st_mode)) continue;
      if (starts_with(name, "pg_internal.init")) continue;

      if (top && name == "pg_wal") {
        // Keep the directory (even if it is a symlink, as initdb -X makes), not its contents.
        struct stat target {};
        if (::stat(path.c_str(), &target) != 0) target = st;
        add_dir("pg_wal", target);
        add_dir("pg_wal/archive_status", target);
        continue;
      }
      if (top && name == "pg_tblspc" && S_ISDIR(st.st_mode)) {
        add_dir(tar_name, st);
        walk_tablespaces(path);
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        add_dir(tar_name, st);
        if (kExcludeDirContents.count(name) || starts_with(name, "pgsql_tmp")) continue;
        walk(path, tar_name + "/", false);
      } else if (S_ISREG(st.st_mode)) {
        PlannedEntry e;
        e.type = PlannedEntry::Type::File;
        e.tar_name = tar_name;
        e.size = static_cast<std::uint64_t>(st.st_size);
        e.mode = st.st_mode & 07777;
        e.mtime = st.st_mtim.tv_sec;
        plan_.total_file_bytes += e.size;
        plan_.file_count += 1;
        plan_.entries.add(e);
      } else if (S_ISLNK(st.st_mode)) {
        PlannedEntry e;
        e.type = PlannedEntry::Type::Symlink;
        e.tar_name = tar_name;
        e.mode = 0777;
        e.mtime = st.st_mtim.tv_sec;
        e.link_target = read_link(path);
        plan_.entries.add(e);
      }
      // sockets, fifos, devices: not part of a cluster; skipped.
    }
  }

  void walk_tablespaces(const std::string& tblspc_dir) {
    for (const auto& oid : io::directory_names(tblspc_dir)) {
      std::string path = tblspc_dir + "/" + oid;
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) continue;
      std::string tar_name = "pg_tblspc/" + oid;
      if (S_ISLNK(st.st_mode)) {
        std::string loc = read_link(path);
        struct stat target {};
        if (::stat(path.c_str(), &target) != 0 || !S_ISDIR(target.st_mode)) {
          throw Error(ErrorCode::Io, "tablespace link " + tar_name + " does not point to a directory",
                      "It points to \"" + loc + "\".");
        }
        if (loc.empty() || loc.back() != '/') loc += "/";
        plan_.spec.tablespaces.push_back(layout::TablespaceSpec{oid, loc, tar_name});
        add_dir(tar_name, target);
        walk(path, tar_name + "/", false);
      } else if (S_ISDIR(st.st_mode)) {  // in-place tablespace
        add_dir(tar_name, st);
        walk(path, tar_name + "/", false);
      }
    }
  }

  static std::string read_link(const std::string& path) {
    std::string buf(4096, '\0');
    ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
    if (n < 0) throw_errno("could not read symbolic link", path, errno);
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }

 private:
  BackupPlan& plan_;
};

}  // namespace

BackupPlan plan_backup(const std::string& data_directory) {
  BackupPlan plan;
  std::string root = data_directory;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  plan.entries = FileList(root);
  plan.spec.base_prefix = root + "/";
  Walker(plan).walk(root, "", true);
  return plan;
}

void FileList::add(const PlannedEntry& e) {
  Rec r;
  r.name = names_.add(e.tar_name);
  r.name_len = static_cast<std::uint32_t>(e.tar_name.size());
  r.size = e.size;
  r.mtime = e.mtime;
  r.mode = static_cast<std::uint16_t>(e.mode & 07777);
  r.type = e.type;
  if (e.type == PlannedEntry::Type::Symlink) links_[recs_.size()] = e.link_target;
  recs_.push_back(r);
}

PlannedEntry FileList::at(std::size_t i) const {
  const Rec& r = recs_[i];
  PlannedEntry e;
  e.type = r.type;
  e.tar_name = std::string(tar_name(i));
  e.source_path = root_ + "/" + e.tar_name;
  e.size = r.size;
  e.mode = r.mode;
  e.mtime = r.mtime;
  if (r.type == PlannedEntry::Type::Symlink) e.link_target = links_.at(i);
  return e;
}

std::optional<std::size_t> FileList::find_file(std::string_view name) const {
  for (std::size_t i = 0; i < recs_.size(); ++i) {
    if (recs_[i].type == PlannedEntry::Type::File && tar_name(i) == name) return i;
  }
  return std::nullopt;
}

std::vector<Partition> partition_plan(const FileList& entries, std::uint64_t max_bytes) {
  std::vector<Partition> parts;
  Partition cur;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries.excluded(i)) continue;
    std::uint64_t size = entries.file_size(i);
    if (size > 0 && cur.bytes > 0 && cur.bytes + size > max_bytes) {
      cur.end = i;
      parts.push_back(cur);
      cur = Partition{i, i, 0};
    }
    cur.bytes += size;
  }
  cur.end = entries.size();
  parts.push_back(cur);
  return parts;
}

}  // namespace wale::backup
