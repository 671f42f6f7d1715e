// WAL-E style logging: "MSG: ..." with optional DETAIL/HINT lines and a
// STRUCTURED line of sorted key=value pairs, sent to the configured sinks
// (core/log_sink.h): stderr (text, or one JSON object per line with
// --json-log) and/or syslog, as WALE_LOG_DESTINATION says. Every line says
// which subcommand and which process wrote it ("wal-e wal-push[1234]: ...").
//
// Until configure() runs (main does it once the settings are known), records
// go to stderr as text without a subcommand.
//
// Thread safety: every function may be called from any thread. Records are
// handed to the sinks one at a time, each written with one write(2) to stderr,
// so records never interleave. Nothing here throws.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace wale::log {

enum class Level { Debug = 10, Info = 20, Warning = 30, Error = 40, Critical = 50 };

// Records below this level are dropped. Default Info; --terse sets Warning.
void set_level(Level level);
Level level();

struct Record {
  std::string msg;
  std::string detail;
  std::string hint;
  std::map<std::string, std::string> fields;  // printed sorted on the STRUCTURED line
};

class LogSink;

// Replaces the sinks and names the subcommand every line carries. An empty
// list drops every record (WALE_LOG_DESTINATION names no usable destination).
void configure(const std::string& subcommand, std::vector<std::unique_ptr<LogSink>> sinks);
// Back to the start-up state: text to stderr, no subcommand (for tests).
void reset();

// Values that must never be printed (credentials): every occurrence in a
// record (message, detail, hint, fields) is replaced by "[REDACTED]" before
// any sink sees it, whatever echoed it (a server's error message, a path).
// Values shorter than 4 characters are ignored (they would mangle text).
void add_secret(const std::string& value);
void clear_secrets();  // for tests

void write(Level level, const std::string& logger, const Record& record);

inline void info(const std::string& logger, Record r) { write(Level::Info, logger, r); }
inline void warning(const std::string& logger, Record r) { write(Level::Warning, logger, r); }
inline void error(const std::string& logger, Record r) { write(Level::Error, logger, r); }
inline void debug(const std::string& logger, Record r) { write(Level::Debug, logger, r); }

// The one-line report of a failure (main: why the command failed, or a bad
// logging setting): "wal-e wal-push[1234]: ERROR: msg -- detail HINT: hint"
// on stderr, the same at the matching priority in syslog. Written whatever
// the level filter says.
void report(Level level, const std::string& msg, const std::string& detail, const std::string& hint);

// Formats a record's WAL-E text (MSG/DETAIL/HINT/STRUCTURED lines, without
// the per-line "wal-e SUBCOMMAND[PID]: " prefix or a trailing newline); for tests.
std::string format(Level level, const std::string& logger, const Record& record);

}  // namespace wale::log
