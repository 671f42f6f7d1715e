#include "core/process.h"

#include <signal.h>

#include <cerrno>

namespace wale {

bool process_gone(long pid) noexcept {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace wale
