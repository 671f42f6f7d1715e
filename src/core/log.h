// WAL-E style logging: "MSG: ..." with optional DETAIL/HINT lines and a
// STRUCTURED line of sorted key=value pairs, written to stderr.
//
// Thread safety: every function may be called from any thread; each record is
// written with one write(2) so records never interleave.
#pragma once

#include <map>
#include <string>

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

void write(Level level, const std::string& logger, const Record& record);

inline void info(const std::string& logger, Record r) { write(Level::Info, logger, r); }
inline void warning(const std::string& logger, Record r) { write(Level::Warning, logger, r); }
inline void error(const std::string& logger, Record r) { write(Level::Error, logger, r); }
inline void debug(const std::string& logger, Record r) { write(Level::Debug, logger, r); }

// Formats a record exactly as write() would (without the trailing newline); for tests.
std::string format(Level level, const std::string& logger, const Record& record);

}  // namespace wale::log
