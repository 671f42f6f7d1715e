// core/utc_time.h: the one UTC formatter and ISO 8601 reader.
#include <gtest/gtest.h>

#include "core/utc_time.h"

namespace wale {
namespace {

using namespace std::chrono;

TEST(UtcTime, FormatsAsWalEAndStrftime) {
  auto t = system_clock::from_time_t(1764000870) + microseconds(753169);  // 2025-11-24T16:14:30Z
  EXPECT_EQ(format_iso_utc(t), "2025-11-24T16:14:30.753169");
  EXPECT_EQ(format_utc(t, "%Y%m%dT%H%M%SZ"), "20251124T161430Z");
  EXPECT_EQ(format_utc(t, "%Y-%m-%d %H:%M:%S GMT"), "2025-11-24 16:14:30 GMT");
}

TEST(UtcTime, StrictIsExactlyS3sForm) {
  EXPECT_TRUE(parse_iso8601("2024-01-02T03:04:05Z", Iso8601Form::Strict));
  EXPECT_TRUE(parse_iso8601("2024-01-02T03:04:05.123Z", Iso8601Form::Strict));
  for (const char* bad : {"2024-01-02", "2024-01-02 03:04:05Z", "2024-01-02T03:04Z", "2024-01-02T03:04:05",
                          "2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05.Z", "2024-01-02T03:04:05Zx"}) {
    EXPECT_FALSE(parse_iso8601(bad, Iso8601Form::Strict)) << bad;
  }
}

TEST(UtcTime, LenientTakesDatesOffsetsAndSpaces) {
  auto z = parse_iso8601("2026-11-24T10:15:00Z", Iso8601Form::Lenient);
  ASSERT_TRUE(z);
  EXPECT_EQ(*parse_iso8601("2026-11-24 12:15:00+02:00", Iso8601Form::Lenient), *z);
  EXPECT_EQ(*parse_iso8601("2026-11-24T05:15-0500", Iso8601Form::Lenient), *z);
  EXPECT_EQ(*parse_iso8601("2026-11-24T10:15:00 Z", Iso8601Form::Lenient), *z);
  EXPECT_EQ(*z - *parse_iso8601("2026-11-24", Iso8601Form::Lenient), hours(10) + minutes(15));
  EXPECT_EQ(*parse_iso8601("2026-11-24T10:15:00.5Z", Iso8601Form::Lenient) - *z, milliseconds(500));
}

TEST(UtcTime, SaysWhyItRefuses) {
  auto why = [](const char* text) {
    std::string w;
    EXPECT_FALSE(parse_iso8601(text, Iso8601Form::Lenient, &w)) << text;
    return w;
  };
  EXPECT_EQ(why("yesterday"), "syntax");
  EXPECT_EQ(why("2026-13-01"), "range");
  EXPECT_EQ(why("1969-12-31"), "range");
  EXPECT_EQ(why("2201-01-01"), "range");  // beyond what system_clock holds safely
  EXPECT_EQ(why("2026-02-30"), "no such day");
  EXPECT_EQ(why("2026-11-24T10:15:00+15:00"), "offset");
}

}  // namespace
}  // namespace wale
