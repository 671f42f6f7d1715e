// LogSink: where log records go (stderr, syslog, a test's buffer). core/log
// hands every record that passes the level filter to each configured sink as
// a LogEntry; the sink formats it (core/log_format.h) and writes it.
//
// Contract: write() never throws and never blocks for long (logging must not
// turn a failure report into a second failure). core/log calls write() with
// its sinks' lock held, so a sink needs no lock of its own and sees one record
// at a time.
#pragma once

#include <chrono>
#include <string>

#include "core/log.h"

namespace wale::log {

// One record with everything a sink may print.
struct LogEntry {
  Level level = Level::Info;
  std::string logger;  // e.g. "wal_e.worker.upload"
  Record record;
  std::chrono::system_clock::time_point time;
  int pid = 0;
  std::string subcommand;  // e.g. "wal-push"; empty before one is known
  // True for the one-line report of a command's failure (main): printed as
  // "ERROR: msg -- detail HINT: hint" rather than as a WAL-E MSG/DETAIL record.
  bool report = false;
};

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(const LogEntry& entry) noexcept = 0;
};

}  // namespace wale::log
