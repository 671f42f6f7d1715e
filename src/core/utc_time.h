// Times as text, in UTC: the one formatter every module uses.
//
//   format_iso_utc(t)          "2026-11-24T06:34:30.753169"  (microseconds, no zone
//                              suffix: WAL-E's last_modified; callers append "Z", "-00", ...)
//   format_utc(t, "%Y%m%dT%H%M%SZ")  strftime on t's whole seconds (S3 dates, manifest dates)
//   parse_iso8601(text, form)  the one ISO 8601 reader (S3 listings, `delete before TIME`)
//
// Pure and thread-safe (gmtime_r, timegm); nothing throws except std::bad_alloc.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace wale {

std::string format_iso_utc(std::chrono::system_clock::time_point t);
// `strftime_format` must produce less than 64 characters.
std::string format_utc(std::chrono::system_clock::time_point t, const char* strftime_format);

enum class Iso8601Form {
  // "YYYY-MM-DDTHH:MM:SS[.fraction]Z" exactly (S3's timestamps).
  Strict,
  // Also "YYYY-MM-DD" alone, ' ' instead of 'T', seconds left out, and a zone
  // "Z", "+HH", "+HHMM" or "+HH:MM" (or none: UTC) after optional spaces.
  Lenient,
};
// The time `text` names, or nullopt. Every field is checked (a day the month
// lacks is refused, not carried into the next month; offsets up to 14 h);
// years 1970 to 2200, which system_clock holds. A fraction of a second is
// kept to the millisecond. When nullopt, `*why` (if given) says why: "syntax",
// "range", "no such day" or "offset".
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text, Iso8601Form form,
                                                                   std::string* why = nullptr);

}  // namespace wale
