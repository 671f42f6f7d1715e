// Times as text, in UTC: the one formatter every module uses.
//
//   format_iso_utc(t)          "2026-11-24T06:34:30.753169"  (microseconds, no zone
//                              suffix: WAL-E's last_modified; callers append "Z", "-00", ...)
//   format_utc(t, "%Y%m%dT%H%M%SZ")  strftime on t's whole seconds (S3 dates, manifest dates)
//
// Pure and thread-safe (gmtime_r); nothing throws except std::bad_alloc.
#pragma once

#include <chrono>
#include <string>

namespace wale {

std::string format_iso_utc(std::chrono::system_clock::time_point t);
// `strftime_format` must produce less than 64 characters.
std::string format_utc(std::chrono::system_clock::time_point t, const char* strftime_format);

}  // namespace wale
