#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "codec/crc32c.h"

namespace wale::codec {
namespace {

std::span<const std::byte> bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c(bytes("")), 0x00000000u);
  EXPECT_EQ(crc32c(bytes("123456789")), 0xE3069283u);            // the standard check value
  EXPECT_EQ(crc32c(bytes(std::string(32, '\0'))), 0x8A9136AAu);  // RFC 3720 B.4
  EXPECT_EQ(crc32c(bytes(std::string(32, '\xff'))), 0x62A8AB43u);
  // PG_VERSION "15\n" in a manifest written by pg_basebackup 15: "8a744722", the
  // little-endian bytes of the CRC in hex.
  EXPECT_EQ(crc32c(bytes("15\n")), 0x2247748Au);
}

TEST(Crc32c, IncrementalEqualsWhole) {
  std::string s;
  for (int i = 0; i < 10000; ++i) s += static_cast<char>(i * 7 + 3);
  std::uint32_t c = crc32c_init();
  for (std::size_t i = 0; i < s.size(); i += 333) c = crc32c_update(c, bytes(s.substr(i, 333)));
  EXPECT_EQ(crc32c_final(c), crc32c(bytes(s)));
}

}  // namespace
}  // namespace wale::codec
