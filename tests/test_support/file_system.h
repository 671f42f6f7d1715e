// Test helpers for file system conditions: a full disk (RLIMIT_FSIZE makes
// write(2) fail with EFBIG, as ENOSPC would) and whether O_DIRECT is taken.
#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>
#include <string>

namespace wale::test {

// While alive, files of this process cannot grow past `bytes` (writes past
// it fail with EFBIG; SIGXFSZ is ignored meanwhile). Restores both on
// destruction. Throws std::runtime_error if the limit cannot be set.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    if (::getrlimit(RLIMIT_FSIZE, &old_) != 0) throw std::runtime_error("getrlimit failed");
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old_;
    small.rlim_cur = bytes;
    if (::setrlimit(RLIMIT_FSIZE, &small) != 0) {
      std::signal(SIGXFSZ, old_handler_);
      throw std::runtime_error("setrlimit failed");
    }
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  struct rlimit old_ {};
  void (*old_handler_)(int) = SIG_DFL;
};

// Whether the file system under `dir` takes O_DIRECT at all.
inline bool direct_io_works(const std::string& dir) {
  int fd = ::open((dir + "/probe").c_str(), O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  ::close(fd);
  ::unlink((dir + "/probe").c_str());
  return true;
}

}  // namespace wale::test
