// StderrSink: writes each record to a file descriptor (stderr by default) as
// text or, with --json-log, as one JSON object per line (core/log_format.h).
// Each record is one write(2) (retried on a short write), so records from
// several processes sharing the descriptor do not interleave. A failed write
// is ignored: there is nowhere left to report it.
#pragma once

#include <unistd.h>

#include "core/log_sink.h"

namespace wale::log {

class StderrSink : public LogSink {
 public:
  enum class Format { Text, Json };

  // Does not own fd.
  explicit StderrSink(Format format = Format::Text, int fd = STDERR_FILENO) : format_(format), fd_(fd) {}

  void write(const LogEntry& entry) noexcept override;

 private:
  Format format_;
  int fd_;
};

}  // namespace wale::log
