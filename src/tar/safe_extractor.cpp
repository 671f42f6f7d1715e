#include "tar/safe_extractor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/error.h"
#include "core/stop_token.h"
#include "io/file_streams.h"
#include "tar/libarchive_support.h"
#include "tar/member_path.h"

namespace wale::tar {
namespace {

constexpr std::size_t kCopyChunk = 1024 * 1024;  // a multiple of io::WriteBehind::kAlign
constexpr std::size_t kCopyBuffers = 4;
constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// Modes never restored: group/world write, setuid, setgid, sticky.
mode_t safe_mode(mode_t mode) { return mode & 0755; }

struct timespec to_timespec(const Entry& entry) {
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(entry.mtime);
  ts.tv_nsec = (entry.mtime_nsec >= 0 && entry.mtime_nsec < 1000000000) ? entry.mtime_nsec : 0;
  return ts;
}

io::UniqueFd open_root_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_errno("could not open restore directory", path, errno);
  return io::UniqueFd(fd);
}

std::string join(const std::vector<std::string>& parts, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out;
}

bool starts_with(const std::vector<std::string>& parts, const std::vector<std::string>& prefix) {
  return parts.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), parts.begin());
}

}  // namespace

SafeExtractor::SafeExtractor(const std::string& root, const std::vector<TablespaceMapping>& mappings) {
  bases_.push_back(Base{{}, root, open_root_dir(root)});
  for (const auto& m : mappings) {
    if (!is_writable_name(m.tar_prefix, true)) {
      throw Error(ErrorCode::Usage, "invalid tablespace prefix " + detail::quote_member(m.tar_prefix),
                  "A prefix is a relative member path such as \"pg_tblspc/16389\".");
    }
    if (m.dest_dir.empty() || m.dest_dir.front() != '/') {
      throw Error(ErrorCode::Usage, "tablespace directory is not an absolute path",
                  "The path is \"" + m.dest_dir + "\".");
    }
    std::vector<std::string> prefix = split_member(m.tar_prefix);
    for (const auto& b : bases_) {
      if (b.prefix == prefix) {
        throw Error(ErrorCode::Usage, "tablespace prefix " + detail::quote_member(m.tar_prefix) + " is mapped twice");
      }
    }
    bases_.push_back(Base{std::move(prefix), m.dest_dir, open_root_dir(m.dest_dir)});
  }
}

void SafeExtractor::rename_member(const std::string& member, const std::string& name) {
  if (!is_writable_name(member, true) || name.empty() || name.find('/') != std::string::npos || name == "." ||
      name == "..") {
    throw Error(ErrorCode::Usage, "invalid member rename " + detail::quote_member(member) + " -> \"" + name + "\"");
  }
  renamed_.emplace_back(split_member(member), name);
}

void SafeExtractor::extract(TarReader& reader) {
  while (auto entry = reader.next()) extract_entry(*entry, reader);
}

std::string SafeExtractor::describe(const Base& base, const std::vector<std::string>& parts) const {
  return parts.empty() ? base.dir : base.dir + "/" + join(parts, parts.size());
}

io::UniqueFd SafeExtractor::open_parent(const Base& base, const std::vector<std::string>& parts, std::size_t count,
                                        const std::string& member, bool create) const {
  io::UniqueFd current(::fcntl(base.fd.get(), F_DUPFD_CLOEXEC, 0));
  if (!current) throw_errno("could not duplicate a directory descriptor", base.dir, errno);
  for (std::size_t i = 0; i < count; ++i) {
    const char* name = parts[i].c_str();
    int fd = ::openat(current.get(), name, kDirFlags);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(current.get(), name, 0700) != 0 && errno != EEXIST) {
        throw_errno("could not create directory", base.dir + "/" + join(parts, i + 1), errno);
      }
      fd = ::openat(current.get(), name, kDirFlags);
    }
    if (fd < 0) {
      int err = errno;
      bool not_a_dir = err == ELOOP || err == ENOTDIR;
      if (!create && (not_a_dir || err == ENOENT)) return io::UniqueFd();
      if (not_a_dir) {
        throw_unsafe_member(member, "its path goes through a symbolic link or non-directory (" +
                                        detail::quote_member(join(parts, i + 1)) + ")");
      }
      throw_errno("could not open directory", base.dir + "/" + join(parts, i + 1), err);
    }
    current.reset(fd);
  }
  return current;
}

void SafeExtractor::extract_entry(const Entry& entry, TarReader& reader) {
  throw_if_stopped();
  std::vector<std::string> parts = split_member(entry.path);

  // The base: the root, or the mapping with the longest matching prefix.
  std::size_t base_index = 0;
  for (std::size_t i = 1; i < bases_.size(); ++i) {
    if (starts_with(parts, bases_[i].prefix) && bases_[i].prefix.size() > bases_[base_index].prefix.size()) {
      base_index = i;
    }
  }
  const Base& base = bases_[base_index];
  parts.erase(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(base.prefix.size()));
  if (base_index == 0) {
    for (const auto& [member, name] : renamed_) {
      if (parts == member) parts.back() = name;
    }
  }

  if (parts.empty()) {  // the root ("/") or a tablespace directory itself
    if (entry.type != Entry::Type::Directory) {
      throw_unsafe_member(entry.path,
                          std::string("names the restore directory itself but is a ") + to_string(entry.type));
    }
    // PostgreSQL refuses a data directory (and wants tablespace directories)
    // open to others: whatever the member says, these end 0700.
    pending_dirs_.push_back(PendingDir{base_index, {}, 0700, to_timespec(entry)});
    return;
  }
  if (entry.type == Entry::Type::Hardlink) throw_unsafe_member(entry.path, "hard links are not restored");
  if (entry.type == Entry::Type::Other) throw_unsafe_member(entry.path, "special files are not restored");

  io::UniqueFd parent = open_parent(base, parts, parts.size() - 1, entry.path, true);
  const std::string& name = parts.back();
  std::string where = describe(base, parts);
  switch (entry.type) {
    case Entry::Type::Directory:
      make_directory(parent.get(), name, where);
      pending_dirs_.push_back(PendingDir{base_index, std::move(parts), safe_mode(entry.mode), to_timespec(entry)});
      break;
    case Entry::Type::Symlink: make_symlink(parent.get(), name, entry, where); break;
    case Entry::Type::File: make_file(parent.get(), name, entry, reader, where); break;
    case Entry::Type::Hardlink:
    case Entry::Type::Other: break;  // rejected above
  }
}

void SafeExtractor::make_directory(int parent, const std::string& name, const std::string& where) {
  if (::mkdirat(parent, name.c_str(), 0700) == 0) return;
  if (errno != EEXIST) throw_errno("could not create directory", where, errno);
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("could not stat", where, errno);
  if (S_ISDIR(st.st_mode)) return;
  // A symlink or file where the directory goes: replace it, never follow it.
  if (::unlinkat(parent, name.c_str(), 0) != 0) throw_errno("could not remove", where, errno);
  if (::mkdirat(parent, name.c_str(), 0700) != 0) throw_errno("could not create directory", where, errno);
}

void SafeExtractor::make_symlink(int parent, const std::string& name, const Entry& entry, const std::string& where) {
  if (entry.link_target.empty()) throw_unsafe_member(entry.path, "symbolic link without a target");
  for (int attempt = 0;; ++attempt) {
    if (::symlinkat(entry.link_target.c_str(), parent, name.c_str()) == 0) break;
    if (errno != EEXIST || attempt > 0) throw_errno("could not create symbolic link", where, errno);
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("could not stat", where, errno);
    if (S_ISDIR(st.st_mode)) throw_unsafe_member(entry.path, "a directory is already there");
    if (::unlinkat(parent, name.c_str(), 0) != 0) throw_errno("could not remove", where, errno);
  }
  struct timespec times[2] = {to_timespec(entry), to_timespec(entry)};
  ::utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW);  // cosmetic: ignore failure
}

void SafeExtractor::make_file(int parent, const std::string& name, const Entry& entry, TarReader& reader,
                              const std::string& where) {
  io::UniqueFd out;
  for (int attempt = 0;; ++attempt) {
    // O_EXCL|O_NOFOLLOW: a new inode, never an existing file, hard link or symlink target.
    int fd = ::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      out.reset(fd);
      break;
    }
    if (errno != EEXIST || attempt > 0) throw_errno("could not create file", where, errno);
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("could not stat", where, errno);
    if (S_ISDIR(st.st_mode)) throw_unsafe_member(entry.path, "a directory is already there");
    if (::unlinkat(parent, name.c_str(), 0) != 0) throw_errno("could not remove", where, errno);
  }
  if (!writer_) writer_ = std::make_unique<io::WriteBehind>(kCopyChunk, kCopyBuffers);
  auto file = writer_->adopt(std::move(out), where, direct_io_ && entry.size >= kDirectMin);
  // Whole chunks (the file's tail last) while the writer thread writes the previous ones.
  std::uint64_t written = 0;
  while (written < entry.size) {
    throw_if_stopped();
    std::span<std::byte> buffer = writer_->acquire();
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), entry.size - written));
    std::size_t n = 0;
    while (n < want) {
      std::size_t got = reader.read_data(buffer.subspan(n, want - n));
      if (got == 0) break;
      n += got;
    }
    if (n == 0) {
      writer_->give_back(buffer);
      break;
    }
    writer_->write(file, buffer, n);
    written += n;
    if (n < want) break;
  }
  if (written != entry.size) {
    throw Error(ErrorCode::Corrupt, "tar member " + detail::quote_member(entry.path) + " has " +
                                        std::to_string(written) + " bytes of data, its header says " +
                                        std::to_string(entry.size));
  }
  writer_->close(file, safe_mode(entry.mode), to_timespec(entry));
  ++files_;
  bytes_ += written;
}

void SafeExtractor::flush() {
  if (writer_) writer_->release();
}

void SafeExtractor::finish(bool sync) {
  flush();
  // Directory modes and times last: children no longer change them, and a
  // read-only directory no longer blocks its own extraction.
  for (auto it = pending_dirs_.rbegin(); it != pending_dirs_.rend(); ++it) {
    const Base& base = bases_[it->base];
    io::UniqueFd dir = open_parent(base, it->parts, it->parts.size(), join(it->parts, it->parts.size()), false);
    if (!dir) continue;  // replaced since (e.g. by a tablespace link): nothing to restore
    std::string where = describe(base, it->parts);
    if (::fchmod(dir.get(), it->mode) != 0) throw_errno("could not set the mode of", where, errno);
    struct timespec times[2] = {it->mtime, it->mtime};
    if (::futimens(dir.get(), times) != 0) throw_errno("could not set the time of", where, errno);
  }
  pending_dirs_.clear();

  if (!sync) return;
  std::vector<dev_t> synced;
  for (const auto& base : bases_) {
    struct stat st {};
    if (::fstat(base.fd.get(), &st) != 0) throw_errno("could not stat", base.dir, errno);
    if (std::find(synced.begin(), synced.end(), st.st_dev) != synced.end()) continue;
    if (::syncfs(base.fd.get()) != 0) throw_errno("could not sync the file system of", base.dir, errno);
    synced.push_back(st.st_dev);
  }
}

}  // namespace wale::tar
