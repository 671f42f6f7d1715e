#include "core/log.h"
#include "core/utc_time.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <fmt/format.h>

namespace wale::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};

const char* level_name(Level level) {
  switch (level) {
    case Level::Debug: return "DEBUG";
    case Level::Info: return "INFO";
    case Level::Warning: return "WARNING";
    case Level::Error: return "ERROR";
    case Level::Critical: return "CRITICAL";
  }
  return "INFO";
}

std::string utc_now() { return format_iso_utc(std::chrono::system_clock::now()) + "-00"; }

}  // namespace

void set_level(Level level) { g_level.store(static_cast<int>(level)); }
Level level() { return static_cast<Level>(g_level.load()); }

std::string format(Level lvl, const std::string& logger, const Record& r) {
  std::string out = fmt::format("{:<12} {:<8} MSG: {}", logger, level_name(lvl), r.msg);
  if (!r.detail.empty()) out += "\n        DETAIL: " + r.detail;
  if (!r.hint.empty()) out += "\n        HINT: " + r.hint;
  out += fmt::format("\n        STRUCTURED: time={} pid={}", utc_now(), ::getpid());
  for (const auto& [k, v] : r.fields) out += " " + k + "=" + v;
  return out;
}

void write(Level lvl, const std::string& logger, const Record& r) {
  if (static_cast<int>(lvl) < g_level.load()) return;
  std::string line = format(lvl, logger, r) + "\n";
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;  // logging must never throw
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace wale::log
