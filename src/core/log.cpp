#include "core/log.h"
#include "core/utc_time.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string_view>

#include "core/log_format.h"
#include "core/log_sink.h"
#include "core/stderr_sink.h"

namespace wale::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::Info)};

// Guards the sinks and the subcommand; held while a record is written, so
// sinks see one record at a time and records never interleave.
struct State {
  std::mutex mu;
  std::string subcommand;
  std::vector<std::unique_ptr<LogSink>> sinks;
  std::vector<std::string> secrets;
};

constexpr std::size_t kMinSecretSize = 4;
constexpr std::string_view kRedacted = "[REDACTED]";

void redact(std::string& text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    for (std::size_t pos = 0; (pos = text.find(secret, pos)) != std::string::npos;) {
      text.replace(pos, secret.size(), kRedacted);
      pos += kRedacted.size();
    }
  }
}

void redact(Record& r, const std::vector<std::string>& secrets) {
  redact(r.msg, secrets);
  redact(r.detail, secrets);
  redact(r.hint, secrets);
  std::map<std::string, std::string> fields;
  for (const auto& [key, value] : r.fields) {
    std::string k = key, v = value;
    redact(k, secrets);
    redact(v, secrets);
    fields.emplace(std::move(k), std::move(v));
  }
  r.fields = std::move(fields);
}

std::vector<std::unique_ptr<LogSink>> default_sinks() {
  std::vector<std::unique_ptr<LogSink>> sinks;
  sinks.push_back(std::make_unique<StderrSink>());
  return sinks;
}

State& state() {
  static State s{{}, {}, default_sinks(), {}};  // no thread outlives main (none is detached)
  return s;
}

void deliver(Level lvl, const std::string& logger, const Record& r, bool report) noexcept {
  try {
    LogEntry entry{lvl, logger, r, std::chrono::system_clock::now(), static_cast<int>(::getpid()), {}, report};
    State& s = state();
    std::lock_guard lock(s.mu);
    entry.subcommand = s.subcommand;
    if (!s.secrets.empty()) redact(entry.record, s.secrets);
    for (const auto& sink : s.sinks) sink->write(entry);
  } catch (...) {
    // logging must never throw
  }
}

}  // namespace

void set_level(Level level) { g_level.store(static_cast<int>(level)); }
Level level() { return static_cast<Level>(g_level.load()); }

void configure(const std::string& subcommand, std::vector<std::unique_ptr<LogSink>> sinks) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.subcommand = subcommand;
  s.sinks = std::move(sinks);
}

void add_secret(const std::string& value) {
  if (value.size() < kMinSecretSize) return;
  State& s = state();
  std::lock_guard lock(s.mu);
  if (std::find(s.secrets.begin(), s.secrets.end(), value) != s.secrets.end()) return;
  s.secrets.push_back(value);
  // Longest first: a secret containing another is replaced whole.
  std::sort(s.secrets.begin(), s.secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

void clear_secrets() {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.secrets.clear();
}

void reset() { configure({}, default_sinks()); }

std::string format(Level lvl, const std::string& logger, const Record& r) {
  LogEntry entry{lvl, logger, r, std::chrono::system_clock::now(), static_cast<int>(::getpid()), {}, false};
  std::string out;
  for (const auto& line : text_lines(entry)) out += (out.empty() ? "" : "\n") + line;
  return out;
}

void write(Level lvl, const std::string& logger, const Record& r) {
  if (static_cast<int>(lvl) < g_level.load()) return;
  deliver(lvl, logger, r, false);
}

void report(Level lvl, const std::string& msg, const std::string& detail, const std::string& hint) {
  deliver(lvl, {}, Record{msg, detail, hint, {}}, true);
}

}  // namespace wale::log
