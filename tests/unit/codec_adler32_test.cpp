// The SIMD adler32 against a bytewise reference.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "codec/adler32.h"

namespace wale::codec {
namespace {

std::uint32_t reference(std::uint32_t seed, std::span<const std::byte> d) {
  std::uint32_t a = seed & 0xFFFF, b = seed >> 16;
  for (std::byte x : d) {
    a = (a + std::to_integer<std::uint32_t>(x)) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

TEST(CodecAdler32, KnownValues) {
  const std::string wiki = "Wikipedia";
  EXPECT_EQ(adler32(kAdler32Init, std::as_bytes(std::span(wiki.data(), wiki.size()))), 0x11E60398u);
  EXPECT_EQ(adler32(kAdler32Init, {}), 1u);
}

TEST(CodecAdler32, MatchesReferenceAtAllLengthsAndAlignments) {
  std::mt19937_64 rng(1);
  std::vector<std::byte> buf(20000);
  for (auto& x : buf) x = std::byte(rng() & 0xFF);
  for (std::size_t len : {1, 15, 16, 17, 31, 32, 33, 255, 5551, 5552, 5553, 5568, 11104, 11105, 19990}) {
    for (std::size_t offset : {0, 1, 7}) {
      const std::span<const std::byte> d(buf.data() + offset, len);
      EXPECT_EQ(adler32(kAdler32Init, d), reference(kAdler32Init, d)) << len << "+" << offset;
    }
  }
}

TEST(CodecAdler32, WorstCaseBytesDoNotOverflow) {
  // All 0xFF with the largest seeds maximises every intermediate sum.
  const std::vector<std::byte> ff(3 * 1024 * 1024 + 5, std::byte{0xFF});
  const std::uint32_t seed = (65520u << 16) | 65520u;
  EXPECT_EQ(adler32(seed, ff), reference(seed, ff));
  EXPECT_EQ(adler32(kAdler32Init, ff), reference(kAdler32Init, ff));
}

TEST(CodecAdler32, ChainingEqualsOneCall) {
  std::mt19937_64 rng(2);
  std::vector<std::byte> buf(100000);
  for (auto& x : buf) x = std::byte(rng() & 0xFF);
  const std::span<const std::byte> all(buf);
  std::uint32_t running = kAdler32Init;
  for (std::size_t pos = 0; pos < buf.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 7000, buf.size() - pos);
    running = adler32(running, all.subspan(pos, n));
    pos += n;
  }
  EXPECT_EQ(running, adler32(kAdler32Init, all));
  EXPECT_EQ(running, reference(kAdler32Init, all));
}

}  // namespace
}  // namespace wale::codec
