// delete before TIME: the time is parsed strictly (a wrong date would delete more than asked).
#include <gtest/gtest.h>

#include "catalog/retention.h"
#include "core/error.h"

namespace wale::catalog {
namespace {

void expect_usage_error(const std::string& text) {
  try {
    parse_time(text);
    ADD_FAILURE() << "accepted " << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage) << text;
    EXPECT_NE(e.message().find(text), std::string::npos) << e.message();
  }
}

TEST(RetentionTime, OutOfRangeFieldsAreRefused) {
  // timegm normalised these: 2026-13-45 became 2027-02-14, deleting backups up to then.
  expect_usage_error("2026-13-45");
  expect_usage_error("2026-02-30");
  expect_usage_error("2026-00-10");
  expect_usage_error("2026-11-24T24:00:00Z");
  expect_usage_error("2026-11-24T10:60:00Z");
  expect_usage_error("2026-11-24T10:15:61Z");
  expect_usage_error("2026-11-24T10:15:00+15:00");
  expect_usage_error("2026-11-24T10:15:00+02:75");
}

TEST(RetentionTime, ValidTimesStillParse) {
  using namespace std::chrono;
  auto day = parse_time("2026-11-24");
  EXPECT_EQ(parse_time("2026-11-24T10:15:00Z") - day, hours(10) + minutes(15));
  EXPECT_EQ(parse_time("2026-11-24 12:15:00+02:00"), parse_time("2026-11-24T10:15:00Z"));
  EXPECT_EQ(parse_time("2024-02-29") - parse_time("2024-02-28"), hours(24));
}

}  // namespace
}  // namespace wale::catalog
