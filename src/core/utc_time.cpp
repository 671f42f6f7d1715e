#include "core/utc_time.h"

#include <fmt/format.h>

#include <ctime>

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

}  // namespace wale
