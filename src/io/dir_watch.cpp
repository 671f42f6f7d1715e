#include "io/dir_watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>

namespace wale::io {

DirWatch::DirWatch() : fd_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) {}

void DirWatch::add(const std::string& dir, std::uint32_t mask) {
  if (fd_ && ::inotify_add_watch(fd_.get(), dir.c_str(), mask) < 0) fd_.reset();
}

void DirWatch::wait(std::chrono::milliseconds bound, int also_readable) {
  auto ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(bound.count(), 0, 100));
  if (!fd_) ms = std::min(ms, 2);
  pollfd p[2]{{fd_ ? fd_.get() : -1, POLLIN, 0}, {also_readable, POLLIN, 0}};  // fd -1: ignored by poll
  ::poll(p, 2, ms);
  char events[4096];
  while (fd_ && ::read(fd_.get(), events, sizeof events) > 0) {
  }
}

}  // namespace wale::io
