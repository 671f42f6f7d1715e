#include "core/stderr_sink.h"

#include <cerrno>

#include "core/log_format.h"

namespace wale::log {

void StderrSink::write(const LogEntry& entry) noexcept {
  try {
    std::string text = format_ == Format::Json ? format_json(entry) : format_text(entry);
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      p += n;
      left -= static_cast<size_t>(n);
    }
  } catch (...) {
    // Out of memory while formatting: drop the record rather than fail the command.
  }
}

}  // namespace wale::log
