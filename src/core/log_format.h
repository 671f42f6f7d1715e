// How a LogEntry looks on each destination. Pure functions of the entry (its
// time and pid included), so tests pin them down exactly.
//
//   text (stderr): every line starts "wal-e SUBCOMMAND[PID]: "; a record is
//     WAL-E's "LOGGER LEVEL MSG: ..." line, then "DETAIL:", "HINT:" and
//     "STRUCTURED: time=... pid=... k=v" lines indented by 8 spaces; a report
//     is one line "LEVEL: msg -- detail HINT: hint".
//   json (stderr with --json-log): one JSON object per line with time
//     (ISO-8601 UTC), level, subcommand, pid, logger, message, and detail,
//     hint and fields when present.
//   syslog: the text without the prefix (syslog adds "wal-e[PID]:"), all on
//     one line, starting with "SUBCOMMAND: ".
//
// Control characters (newlines too) in a message never split a line where the
// format does not: they become spaces, so a line is always one record's.
#pragma once

#include <string>
#include <vector>

#include "core/log_sink.h"

namespace wale::log {

const char* level_name(Level level);

// "wal-e wal-push[1234]: " ("wal-e[1234]: " without a subcommand).
std::string line_prefix(const LogEntry& entry);

// The text lines without prefix or newline.
std::vector<std::string> text_lines(const LogEntry& entry);
// With a trailing newline.
std::string format_text(const LogEntry& entry);
std::string format_json(const LogEntry& entry);
// Without a newline.
std::string format_syslog(const LogEntry& entry);

// WAL-E's STRUCTURED time: "2026-11-24T06:34:30.296326-00".
std::string wale_time(std::chrono::system_clock::time_point t);
// ISO-8601 UTC with microseconds: "2026-11-24T06:34:30.296326Z".
std::string iso_time(std::chrono::system_clock::time_point t);

}  // namespace wale::log
