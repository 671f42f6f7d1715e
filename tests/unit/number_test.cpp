// The strict number parser every setting, argument and stored number goes through.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/number.h"

namespace wale {
namespace {

ErrorCode code_of(std::string_view text, std::uint64_t min, std::uint64_t max) {
  try {
    parse_uint(text, "X", min, max, ErrorCode::Config);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::Internal;  // did not throw
}

TEST(Number, WholeStringDigitsOnly) {
  EXPECT_EQ(to_uint64("0"), 0u);
  EXPECT_EQ(to_uint64("0042"), 42u);
  EXPECT_EQ(to_uint64("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", " 1", "1 ", "+1", "-1", "12abc", "0x10", "1e3", "1.0", "abc", "18446744073709551616",
                          "99999999999999999999999"}) {
    EXPECT_FALSE(to_uint64(bad)) << bad;
  }
  EXPECT_EQ(to_uint64("ff", 16), 255u);
  EXPECT_EQ(to_uint64("FFFFFFFF", 16), 0xFFFFFFFFu);
  EXPECT_FALSE(to_uint64("fg", 16));
  EXPECT_FALSE(to_uint64("-f", 16));
}

TEST(Number, RangeIsCheckedAndNamedInTheMessage) {
  EXPECT_EQ(parse_uint("7", "X", 1, 10, ErrorCode::Config), 7u);
  EXPECT_EQ(code_of("0", 1, 10), ErrorCode::Config);
  EXPECT_EQ(code_of("11", 1, 10), ErrorCode::Config);
  EXPECT_EQ(code_of("4294967297", 1, 1000000), ErrorCode::Config);
  try {
    parse_uint("12abc", "WALE_RETRIES", 1, 1000, ErrorCode::Usage);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Usage);
    EXPECT_EQ(e.message(), "WALE_RETRIES must be a whole number from 1 to 1000, got \"12abc\"");
  }
}

TEST(Number, ByteCountsWithUnitsDoNotOverflow) {
  EXPECT_EQ(parse_byte_count("512", "P", 1, 1ULL << 40, ErrorCode::Config), 512u);
  EXPECT_EQ(parse_byte_count("3k", "P", 1, 1ULL << 40, ErrorCode::Config), 3072u);
  EXPECT_EQ(parse_byte_count("64MiB", "P", 1, 1ULL << 40, ErrorCode::Config), 64ULL << 20);
  EXPECT_EQ(parse_byte_count("1T", "P", 1, 1ULL << 40, ErrorCode::Config), 1ULL << 40);
  // 17179869184 GiB = 2^64 bytes: wrapped to 0 with a plain multiplication.
  for (const char* bad : {"17179869184G", "1025G", "18446744073709551615k", "0", "0M", "-5", "5Q", "M", "", "1 G"}) {
    EXPECT_THROW(parse_byte_count(bad, "P", 1, 1ULL << 40, ErrorCode::Config), Error) << bad;
  }
}

}  // namespace
}  // namespace wale
