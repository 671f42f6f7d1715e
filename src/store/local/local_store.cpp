#include "store/local/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "core/error.h"
#include "io/file_streams.h"
#include "io/unique_fd.h"

namespace wale::store {
namespace {

std::chrono::system_clock::time_point mtime_of(const struct stat& st) {
  using namespace std::chrono;
  return system_clock::time_point(
      duration_cast<system_clock::duration>(seconds(st.st_mtim.tv_sec) + nanoseconds(st.st_mtim.tv_nsec)));
}

// Appends every regular, non-hidden file under dir (key prefix rel) to out.
void walk(const std::string& dir, const std::string& rel, std::vector<ObjectInfo>& out) {
  for (const auto& name : io::directory_names(dir)) {
    if (name.empty() || name[0] == '.') continue;
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // removed while listing
      throw_errno("could not stat file", path, errno);
    }
    if (S_ISDIR(st.st_mode)) {
      walk(path, rel + name + "/", out);
    } else if (S_ISREG(st.st_mode)) {
      out.push_back(ObjectInfo{rel + name, static_cast<std::uint64_t>(st.st_size), mtime_of(st)});
    }
  }
}

// Creates the directories from root (which must exist) down to dir, one
// level at a time, so that a vanished root is reported, never re-created.
// Throws Error{Config} unless `root` is an existing directory (one stat).
void require_root(const std::string& root) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) throw_errno("could not stat the archive root", root, errno);
    throw Error(ErrorCode::Config, "archive root " + root + " does not exist",
                "Nothing can be read from or written to file://" + root + ".",
                "Mount the archive's file system or fix the prefix; create a new archive with mkdir -m 700 " + root +
                    ".");
  }
  if (!S_ISDIR(st.st_mode)) {
    throw Error(ErrorCode::Config, "archive root " + root + " is not a directory", {},
                "Point the file prefix at the archive's directory.");
  }
}

void make_dirs_below(const std::string& root, const std::string& dir) {
  // The root must exist now (not only when first checked): io::make_dirs
  // creates only what is missing below it, and syncs each new directory into
  // its parent so that objects renamed into it survive a crash.
  require_root(root);
  io::make_dirs(dir, 0700, /*sync_parents=*/true);
}

}  // namespace

LocalStore::LocalStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  if (root_.empty() || root_.front() != '/') {
    throw Error(ErrorCode::Config, "file prefix must be an absolute path", "The path is \"" + root_ + "\".",
                "Use a prefix like file://localhost/var/backups/wal-e.");
  }
}

std::string LocalStore::path_of(std::string_view key) const {
  check_key(key);
  check_root();
  return root_ + "/" + std::string(key);
}

void LocalStore::check_root() const {
  if (root_checked_.load(std::memory_order_acquire)) return;
  require_root(root_);
  root_checked_.store(true, std::memory_order_release);
}

std::unique_ptr<io::ByteSink> LocalStore::put(std::string_view key, const PutOptions& options) {
  std::string path = path_of(key);
  make_dirs_below(root_, io::parent_dir(path));
  return std::make_unique<io::AtomicFileSink>(path, 0600, /*sync=*/true,
                                              options.if_absent ? io::AtomicFileSink::Publish::IfAbsent
                                                                : io::AtomicFileSink::Publish::Replace,
                                              // Create-only puts are WAL objects (a few MiB) and the identity file:
                                              // held in memory and written in one piece around the page cache.
                                              options.if_absent ? io::AtomicFileSink::Hold::InMemory
                                                                : io::AtomicFileSink::Hold::None);
}

std::unique_ptr<io::ByteSource> LocalStore::get(std::string_view key) { return io::open_file_source(path_of(key)); }

std::optional<ObjectInfo> LocalStore::stat(std::string_view key) {
  std::string path = path_of(key);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw_errno("could not stat file", path, errno);
  }
  if (!S_ISREG(st.st_mode)) return std::nullopt;
  return ObjectInfo{std::string(key), static_cast<std::uint64_t>(st.st_size), mtime_of(st)};
}

void LocalStore::list(std::string_view prefix, const std::function<void(const ObjectInfo&)>& each) {
  // Walk from the deepest directory the prefix names, then filter by prefix.
  check_root();
  std::string p(prefix);
  std::string dir_rel = p.substr(0, p.find_last_of('/') == std::string::npos ? 0 : p.find_last_of('/') + 1);
  std::vector<ObjectInfo> found;
  walk(dir_rel.empty() ? root_ : root_ + "/" + dir_rel.substr(0, dir_rel.size() - 1), dir_rel, found);
  std::sort(found.begin(), found.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  for (const auto& info : found) {
    if (info.key.compare(0, p.size(), p) == 0) each(info);
  }
}

void LocalStore::remove(std::span<const std::string> keys) {
  for (const auto& key : keys) {
    std::string path = path_of(key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("could not remove file", path, errno);
    // Prune now-empty parent directories, never the root itself.
    std::string dir = io::parent_dir(path);
    while (dir.size() > root_.size() && ::rmdir(dir.c_str()) == 0) dir = io::parent_dir(dir);
  }
}

void LocalStore::make_durable(std::string_view key) {
  std::string path = path_of(key);
  io::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) {
      throw Error(ErrorCode::NotFound, "object vanished before it could be synced", "The path is \"" + path + "\".");
    }
    throw_errno("could not open file", path, errno);
  }
  if (::fsync(fd.get()) != 0) throw_errno("could not fsync file", path, errno);
  // Its entry, and those of the directories above it (a writer killed right
  // after creating one may not have synced its parent either).
  for (std::string dir = io::parent_dir(path);; dir = io::parent_dir(dir)) {
    io::fsync_dir(dir);
    if (dir.size() <= root_.size()) break;  // the root synced last
  }
}

namespace {

// Sweeps dir and every directory below it (readdir's d_type: no stat per object).
std::size_t sweep_tree(const std::string& dir, int depth) {
  std::size_t removed = io::remove_stale_temps(dir);
  if (depth > 8) return removed;
  std::vector<std::string> subdirs;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.empty() || n[0] == '.') continue;
      bool is_dir = e->d_type == DT_DIR;
      if (e->d_type == DT_UNKNOWN) {
        struct stat st {};
        is_dir = ::lstat((dir + "/" + n).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      }
      if (is_dir) subdirs.push_back(dir + "/" + n);
    }
    ::closedir(d);
  }
  for (const auto& s : subdirs) removed += sweep_tree(s, depth + 1);
  return removed;
}

}  // namespace

std::size_t LocalStore::remove_abandoned(std::string_view prefix, std::chrono::seconds at_most_every) {
  std::string p(prefix);
  if (!p.empty()) {
    if (p.back() != '/') return 0;
    check_key(p.substr(0, p.size() - 1));
  }
  std::string dir = p.empty() ? root_ : root_ + "/" + p.substr(0, p.size() - 1);
  if (at_most_every.count() > 0) {
    // A hidden stamp (never listed) says when this directory was last swept.
    std::string stamp = dir + "/.wal-e-swept";
    struct stat st {};
    if (::stat(stamp.c_str(), &st) == 0 && std::chrono::system_clock::now() - mtime_of(st) < at_most_every) {
      return 0;
    }
    int fd = ::open(stamp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return 0;  // e.g. the directory does not exist yet: nothing to sweep
    ::futimens(fd, nullptr);
    ::close(fd);
  }
  return sweep_tree(dir, 0);
}

std::string LocalStore::describe(std::string_view key) const { return "file://" + root_ + "/" + std::string(key); }

}  // namespace wale::store
