#include "core/log_format.h"

#include "core/utc_time.h"

#include <fmt/format.h>
#include <ctime>
#include <nlohmann/json.hpp>

namespace wale::log {
namespace {

// Control characters become spaces: a message never splits a line.
std::string one_line(const std::string& s) {
  std::string out = s;
  for (auto& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  return out;
}

// The WAL-E record lines, unprefixed: "LOGGER LEVEL MSG: ...", then the
// indented DETAIL/HINT/STRUCTURED lines.
std::vector<std::string> record_lines(const LogEntry& e) {
  const Record& r = e.record;
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{:<12} {:<8} MSG: {}", one_line(e.logger), level_name(e.level), one_line(r.msg)));
  if (!r.detail.empty()) lines.push_back("        DETAIL: " + one_line(r.detail));
  if (!r.hint.empty()) lines.push_back("        HINT: " + one_line(r.hint));
  std::string structured = fmt::format("        STRUCTURED: time={} pid={}", wale_time(e.time), e.pid);
  for (const auto& [k, v] : r.fields) structured += " " + one_line(k) + "=" + one_line(v);
  lines.push_back(structured);
  return lines;
}

// "ERROR: msg -- detail HINT: hint"
std::string report_line(const LogEntry& e) {
  std::string line = std::string(level_name(e.level)) + ": " + one_line(e.record.msg);
  if (!e.record.detail.empty()) line += " -- " + one_line(e.record.detail);
  if (!e.record.hint.empty()) line += " HINT: " + one_line(e.record.hint);
  return line;
}

}  // namespace

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

std::string wale_time(std::chrono::system_clock::time_point t) { return format_iso_utc(t) + "-00"; }

std::string iso_time(std::chrono::system_clock::time_point t) { return format_iso_utc(t) + "Z"; }

std::string line_prefix(const LogEntry& e) {
  if (e.subcommand.empty()) return fmt::format("wal-e[{}]: ", e.pid);
  return fmt::format("wal-e {}[{}]: ", one_line(e.subcommand), e.pid);
}

std::vector<std::string> text_lines(const LogEntry& e) {
  if (e.report) return {report_line(e)};
  return record_lines(e);
}

std::string format_text(const LogEntry& e) {
  std::string prefix = line_prefix(e), out;
  for (const auto& line : text_lines(e)) out += prefix + line + "\n";
  return out;
}

std::string format_json(const LogEntry& e) {
  nlohmann::ordered_json j;
  j["time"] = iso_time(e.time);
  j["level"] = level_name(e.level);
  j["subcommand"] = e.subcommand;
  j["pid"] = e.pid;
  if (!e.report) j["logger"] = e.logger;
  j["message"] = e.record.msg;
  if (!e.record.detail.empty()) j["detail"] = e.record.detail;
  if (!e.record.hint.empty()) j["hint"] = e.record.hint;
  if (!e.record.fields.empty()) j["fields"] = e.record.fields;
  // Invalid UTF-8 (a file name) is replaced, never thrown about.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string format_syslog(const LogEntry& e) {
  std::string sub = e.subcommand.empty() ? "" : one_line(e.subcommand) + ": ";
  if (e.report) return sub + report_line(e);
  std::string out;
  for (const auto& line : record_lines(e)) {
    auto start = line.find_first_not_of(' ');
    if (!out.empty()) out += ' ';
    out += start == std::string::npos ? line : line.substr(start);
  }
  return sub + out;
}

}  // namespace wale::log
