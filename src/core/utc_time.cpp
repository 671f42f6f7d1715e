#include "core/utc_time.h"

#include <fmt/format.h>

#include <cctype>
#include <ctime>

#include "core/number.h"

namespace wale {
namespace {

std::tm utc_tm(std::time_t secs) {
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

}  // namespace

std::string format_utc(std::chrono::system_clock::time_point t, const char* strftime_format) {
  using namespace std::chrono;
  auto secs = static_cast<std::time_t>(floor<seconds>(t.time_since_epoch()).count());
  std::tm tm = utc_tm(secs);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, strftime_format, &tm);
  return std::string(buf, n);
}

std::string format_iso_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto us = duration_cast<microseconds>(t.time_since_epoch()).count();
  std::tm tm = utc_tm(static_cast<std::time_t>(us / 1000000));
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06d}", buf, us % 1000000);
}

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s, Iso8601Form form,
                                                                   std::string* why) {
  const bool lenient = form == Iso8601Form::Lenient;
  auto fail = [&](const char* reason) -> std::optional<std::chrono::system_clock::time_point> {
    if (why) *why = reason;
    return std::nullopt;
  };
  auto digits_at = [&](std::size_t pos, std::size_t len) {
    if (pos + len > s.size()) return false;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  };
  auto number = [&](std::size_t pos, std::size_t len) { return static_cast<int>(*to_uint64(s.substr(pos, len))); };

  // Syntax first, collecting the fields.
  if (!digits_at(0, 4) || s.size() < 10 || s[4] != '-' || !digits_at(5, 2) || s[7] != '-' || !digits_at(8, 2)) {
    return fail("syntax");
  }
  int year = number(0, 4), month = number(5, 2), day = number(8, 2), hour = 0, minute = 0, second = 0;
  int millis = 0, offset_sign = 0, offset_hours = 0, offset_minutes = 0;
  std::size_t pos = 10;
  bool has_time = pos < s.size() && (s[pos] == 'T' || (lenient && s[pos] == ' '));
  if (!has_time && !(lenient && pos == s.size())) return fail("syntax");
  if (has_time) {
    if (!digits_at(pos + 1, 2) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits_at(pos + 4, 2)) {
      return fail("syntax");
    }
    hour = number(pos + 1, 2);
    minute = number(pos + 4, 2);
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits_at(pos + 1, 2)) return fail("syntax");
      second = number(pos + 1, 2);
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        std::size_t end = pos + 1;
        while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
        if (end == pos + 1) return fail("syntax");
        for (std::size_t i = pos + 1; i < pos + 4; ++i) millis = millis * 10 + (i < end ? s[i] - '0' : 0);
        pos = end;
      }
    } else if (!lenient) {
      return fail("syntax");
    }
    if (lenient) {
      while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos]))) ++pos;
    }
    if (pos < s.size() && s[pos] == 'Z') {
      ++pos;
    } else if (lenient && pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      offset_sign = s[pos] == '-' ? -1 : 1;
      if (!digits_at(pos + 1, 2)) return fail("syntax");
      offset_hours = number(pos + 1, 2);
      pos += 3;
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (pos < s.size()) {
        if (!digits_at(pos, 2)) return fail("syntax");
        offset_minutes = number(pos, 2);
        pos += 2;
      }
    } else if (!lenient) {
      return fail("syntax");
    }
  }
  if (pos != s.size()) return fail("syntax");

  // Then the ranges (timegm would quietly turn 2026-13-45 into 2027).
  if (year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60) {
    return fail("range");
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);
  std::tm check{};
  if (t == static_cast<std::time_t>(-1) || !gmtime_r(&t, &check) || check.tm_mday != day) return fail("no such day");
  if (offset_hours > 14 || offset_minutes > 59) return fail("offset");
  t -= offset_sign * static_cast<std::time_t>(offset_hours * 3600 + offset_minutes * 60);
  return std::chrono::system_clock::from_time_t(t) + std::chrono::milliseconds(millis);
}

}  // namespace wale
