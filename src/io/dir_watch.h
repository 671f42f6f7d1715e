// DirWatch: sleeps until a watched directory changes (inotify) or a bound
// passes, for the loops that wait on another process's files (a push-ahead
// claim removed, a prefetched segment renamed into the spool). The caller
// re-checks its own condition after each wait(); DirWatch only saves it from
// polling. Set the watches before checking the condition: then no change
// between the check and the wait is missed.
//
// Without inotify (no instance left, a directory that cannot be watched) it
// degrades to a short sleep (2 ms), so waiting stays correct, only busier.
// Owns its inotify descriptor; one thread at a time. Never throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "io/unique_fd.h"

namespace wale::io {

class DirWatch {
 public:
  DirWatch();
  // Watches `dir` for the inotify events in `mask` (IN_DELETE, IN_MOVED_TO, ...).
  // A directory that cannot be watched turns the watch off (short sleeps).
  void add(const std::string& dir, std::uint32_t mask);
  // Sleeps until a watched event, `also_readable` (another descriptor, e.g. an
  // eventfd; -1 for none) is readable, or `bound` passes; never longer than
  // 100 ms, so that the caller sees a stop request. Drains the inotify events.
  void wait(std::chrono::milliseconds bound, int also_readable = -1);
  bool active() const { return static_cast<bool>(fd_); }

 private:
  UniqueFd fd_;
};

}  // namespace wale::io
