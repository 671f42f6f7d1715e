#include "io/file_streams.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>

#include "core/error.h"
#include "core/process.h"
#include "core/stop_token.h"

namespace wale::io {
namespace {
// make_dirs(sync_parents): how long after its creation a directory's parent is synced again.
constexpr std::time_t kRecentDirSeconds = 60;

// True if `path` was created less than kRecentDirSeconds ago, or if the file
// system does not record creation times (then we cannot tell: assume so).
bool created_recently(const std::string& path) {
  struct statx sx {};
  if (::statx(AT_FDCWD, path.c_str(), 0, STATX_BTIME, &sx) != 0 || !(sx.stx_mask & STATX_BTIME)) return true;
  return std::time(nullptr) - static_cast<std::time_t>(sx.stx_btime.tv_sec) < kRecentDirSeconds;
}
}  // namespace

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::size_t FileSource::read(std::span<std::byte> out) {
  for (;;) {
    ssize_t n = ::read(fd_.get(), out.data(), out.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) {
      throw_if_stopped();  // a stop signal woke a blocking read (pipe, FIFO)
      continue;
    }
    throw_errno("could not read file", path_, errno);
  }
}

std::unique_ptr<FileSource> open_file_source(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return nullptr;
    throw_errno("could not open file", path, errno);
  }
  return std::make_unique<FileSource>(UniqueFd(fd), path);
}

void write_all(int fd, const void* data, std::size_t size, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("could not write file", path, errno);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

std::string parent_dir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string base_name(const std::string& path) {
  auto pos = path.find_last_of('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

std::vector<std::string> directory_names(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return names;
    throw_errno("could not open directory", dir, errno);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> guard(d, ::closedir);
  for (;;) {
    // readdir returns null both at the end and on an error (EIO, ESTALE on
    // NFS): only errno tells them apart. A listing cut short is no listing.
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (e == nullptr) {
      if (errno != 0) throw_errno("could not read directory", dir, errno);
      break;
    }
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  std::sort(names.begin(), names.end());
  return names;
}

void fsync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("could not open directory", dir, errno);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) throw_errno("could not fsync directory", dir, errno);
}

void make_dirs(const std::string& path, mode_t mode, bool sync_parents) {
  if (path.empty()) return;
  std::string parent = parent_dir(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      throw Error(ErrorCode::Io, "not a directory", "The path is \"" + path + "\".");
    }
    // A directory that a concurrent writer created moments ago may not be
    // durable in its parent yet: sync the parent rather than rely on it.
    if (sync_parents && parent != path && created_recently(path)) fsync_dir(parent);
    return;
  }
  if (parent != path) make_dirs(parent, mode, sync_parents);
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throw_errno("could not create directory", path, errno);
  if (sync_parents) fsync_dir(parent);
}

namespace {
std::string temp_name_for(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  // getrandom(2), not std::random_device: its set-up runs cpuid, which a
  // virtual machine traps, on the start-up path of every wal-fetch.
  std::uint32_t salt = 0;
  if (::getrandom(&salt, sizeof salt, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof salt)) {
    salt = static_cast<std::uint32_t>(std::time(nullptr));  // pid and counter keep the name unique
  }
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".tmp.%d.%u.%08x", static_cast<int>(::getpid()), counter.fetch_add(1),
                static_cast<unsigned>(salt));
  return parent_dir(path) + "/." + base_name(path) + suffix;
}

// Moves the temporary file `temp` to `path` unless `path` exists (Error{Conflict}).
void link_if_absent(const std::string& temp, const std::string& path) {
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) return;
  int err = errno;
  if (err == EINVAL || err == ENOSYS || err == ENOTSUP) {  // file system without RENAME_NOREPLACE
    err = ::link(temp.c_str(), path.c_str()) == 0 ? 0 : errno;
    if (err == 0) {
      ::unlink(temp.c_str());  // the object is in place; a leftover hidden temporary is harmless
      return;
    }
  }
  if (err == EEXIST) {
    throw Error(ErrorCode::Conflict, "file already exists", "The path is \"" + path + "\"; it was not replaced.");
  }
  throw_errno("could not link file into place", path, err);
}
}  // namespace

bool parse_temp_name(const std::string& name, long* pid) {
  if (name.size() < 2 || name[0] != '.') return false;
  auto at = name.rfind(".tmp.");
  if (at == std::string::npos || at < 2) return false;
  // PID.N.RAND: decimal, decimal, 8 hex digits.
  const char* p = name.c_str() + at + 5;
  char* end = nullptr;
  long v = std::strtol(p, &end, 10);
  if (end == p || *end != '.' || v <= 0) return false;
  p = end + 1;
  std::strtoul(p, &end, 10);
  if (end == p || *end != '.') return false;
  p = end + 1;
  std::size_t hex = 0;
  while (std::isxdigit(static_cast<unsigned char>(p[hex]))) ++hex;
  if (hex != 8 || p[hex] != '\0') return false;
  if (pid) *pid = v;
  return true;
}

std::size_t remove_stale_temps(const std::string& dir, const std::string& name_prefix, const StaleTempPolicy& policy) {
  std::size_t removed = 0;
  try {
    auto now = std::chrono::system_clock::now();
    for (const auto& n : directory_names(dir)) {
      long pid = 0;
      if (!parse_temp_name(n, &pid)) continue;
      if (!name_prefix.empty() && n.compare(1, name_prefix.size(), name_prefix) != 0) continue;
      std::string path = dir + "/" + n;
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      auto mtime =
          std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
      auto idle = now - mtime;
      bool dead = pid != static_cast<long>(::getpid()) && process_gone(pid);
      if ((dead && idle >= policy.idle_dead) || idle >= policy.idle_any) {
        if (::unlink(path.c_str()) == 0) ++removed;
      }
    }
  } catch (const Error&) {
    // An unreadable directory: nothing swept this time.
  }
  return removed;
}

AlignedBuffer& AtomicFileSink::spare_buffer() noexcept {
  thread_local AlignedBuffer spare;
  return spare;
}

void AtomicFileSink::release_held() noexcept {
  if (held_ && !spare_buffer()) spare_buffer() = std::move(held_);
  held_.reset();
  held_size_ = 0;
}

AtomicFileSink::AtomicFileSink(std::string path, mode_t mode, bool sync, Publish publish, Hold hold)
    : path_(std::move(path)),
      temp_(temp_name_for(path_)),
      sync_(sync),
      publish_(publish),
      holding_(hold == Hold::InMemory) {
  int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw_errno("could not create file", temp_, errno);
  fd_.reset(fd);
}

AtomicFileSink::~AtomicFileSink() {
  release_held();
  if (!done_) {
    fd_.reset();
    ::unlink(temp_.c_str());
  }
}

void AtomicFileSink::write(std::span<const std::byte> data) {
  if (holding_) {
    if (held_size_ + data.size() <= kHoldLimit) {
      if (!held_) held_ = std::move(spare_buffer());
      if (!held_) held_ = make_aligned_buffer(kHoldLimit);
      std::memcpy(held_.get() + held_size_, data.data(), data.size());
      held_size_ += data.size();
      return;
    }
    // Too large to hold: what is held goes first, the rest streams.
    holding_ = false;
    write_all(fd_.get(), held_.get(), held_size_, path_);
    release_held();
  }
  write_all(fd_.get(), data.data(), data.size(), path_);
}

// Writes the held bytes: whole blocks with O_DIRECT where the file system
// takes it, then the rest (or everything, if it does not) through the cache.
void AtomicFileSink::write_held() {
  std::size_t done = 0;
  const std::size_t whole = held_size_ / kDirectAlign * kDirectAlign;
  if (whole > 0 && set_direct(fd_.get(), true)) {
    while (done < whole) {
      ssize_t n = ::write(fd_.get(), held_.get() + done, whole - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EINVAL) break;  // refused after all: the page cache takes the rest
      if (n < 0) throw_errno("could not write file", path_, errno);
      done += static_cast<std::size_t>(n);
      if (done % kDirectAlign != 0) break;  // a short write off a block boundary: no more direct I/O
    }
    if (!set_direct(fd_.get(), false)) throw_errno("could not reset the file's flags", temp_, errno);
    wrote_direct_ = done > 0;
  }
  write_all(fd_.get(), held_.get() + done, held_size_ - done, path_);
  release_held();
}

void AtomicFileSink::finish() {
  if (holding_) {
    holding_ = false;
    if (held_size_ > 0) write_held();
  }
  if (sync_ && ::fsync(fd_.get()) != 0) throw_errno("could not fsync file", temp_, errno);
  if (::close(fd_.release()) != 0) throw_errno("could not close file", temp_, errno);
  if (publish_ == Publish::Replace) {
    if (::rename(temp_.c_str(), path_.c_str()) != 0) throw_errno("could not rename file", path_, errno);
  } else {
    link_if_absent(temp_, path_);
  }
  done_ = true;
  if (sync_) fsync_dir(parent_dir(path_));
}

}  // namespace wale::io
