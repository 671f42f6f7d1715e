// Our LZO1X decoder against liblzo2: same output for every LZO1X compressor,
// and the same accept/reject verdict on corrupted and truncated blocks.
#include <gtest/gtest.h>
#include <lzo/lzo1x.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "codec/lzo1x_decoder.h"

namespace wale::codec {
namespace {

using Bytes = std::vector<unsigned char>;

class CodecLzo1xDecoder : public testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(lzo_init(), LZO_E_OK); }

  enum class Compressor { X1, X1_15, X999 };

  Bytes compress(const Bytes& in, Compressor which) {
    Bytes out(in.size() + in.size() / 16 + 64 + 3);
    lzo_uint n = 0;
    int rc = LZO_E_ERROR;
    switch (which) {
      case Compressor::X1:
        work_.resize(LZO1X_1_MEM_COMPRESS);
        rc = lzo1x_1_compress(in.data(), in.size(), out.data(), &n, work_.data());
        break;
      case Compressor::X1_15:
        work_.resize(LZO1X_1_15_MEM_COMPRESS);
        rc = lzo1x_1_15_compress(in.data(), in.size(), out.data(), &n, work_.data());
        break;
      case Compressor::X999:
        work_.resize(LZO1X_999_MEM_COMPRESS);
        rc = lzo1x_999_compress(in.data(), in.size(), out.data(), &n, work_.data());
        break;
    }
    EXPECT_EQ(rc, LZO_E_OK);
    out.resize(n);
    return out;
  }

  static lzo1x::Result ours(const Bytes& in, std::size_t in_len, Bytes& out) {
    return lzo1x::decompress(std::as_bytes(std::span(in.data(), in_len)), std::as_writable_bytes(std::span(out)));
  }

  // Data shaped to hit every instruction and copy path.
  static Bytes sample(std::mt19937_64& rng, int kind, std::size_t n) {
    Bytes b(n);
    switch (kind % 6) {
      case 0:  // incompressible: long literal runs with length extensions
        for (auto& x : b) x = static_cast<unsigned char>(rng());
        break;
      case 1: {  // periodic, period 1..24: overlapping matches of every distance
        const std::size_t period = 1 + rng() % 24;
        Bytes pat(period);
        for (auto& x : pat) x = static_cast<unsigned char>(rng());
        for (std::size_t i = 0; i < n; ++i) b[i] = pat[i % period];
        break;
      }
      case 2:  // sparse: long zero runs with rare noise (WAL pages)
        for (auto& x : b) x = (rng() % 64 == 0) ? static_cast<unsigned char>(rng()) : 0;
        break;
      case 3:  // small alphabet: many short matches
        for (auto& x : b) x = static_cast<unsigned char>('a' + rng() % 4);
        break;
      case 4: {  // far repeats (M4 distances > 16 KiB)
        for (std::size_t i = 0; i < n; ++i) {
          b[i] = (i >= 20000 && rng() % 8) ? b[i - 20000 + (rng() % 3)] : static_cast<unsigned char>(rng());
        }
        break;
      }
      default:  // text-like
        for (std::size_t i = 0; i < n; ++i) {
          b[i] = static_cast<unsigned char>("the quick brown fox jumps over "[(i * 7 + rng() % 3) % 31]);
        }
    }
    return b;
  }

  std::vector<unsigned char> work_;
};

TEST_F(CodecLzo1xDecoder, DecodesEveryCompressorLikeLiblzo2) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 240; ++i) {
    const std::size_t n = (i % 10 == 0) ? 262144 : rng() % 70000;
    const Bytes plain = sample(rng, i, n);
    for (Compressor which : {Compressor::X1, Compressor::X1_15, Compressor::X999}) {
      if (which == Compressor::X999 && n > 100000) continue;  // slow compressor
      const Bytes packed = compress(plain, which);
      // Exact-size output (no slack: every tail copy takes the careful path)...
      Bytes exact(n);
      auto r = ours(packed, packed.size(), exact);
      ASSERT_EQ(r.status, lzo1x::Status::Ok) << "case " << i << " n " << n;
      ASSERT_EQ(r.produced, n);
      ASSERT_TRUE(exact == plain) << "case " << i;
      // ...and with slack (wide copies everywhere).
      Bytes roomy(n + 100);
      r = ours(packed, packed.size(), roomy);
      ASSERT_EQ(r.status, lzo1x::Status::Ok);
      ASSERT_EQ(r.produced, n);
      ASSERT_TRUE(std::equal(plain.begin(), plain.end(), roomy.begin()));
    }
  }
}

TEST_F(CodecLzo1xDecoder, SameVerdictAsLiblzo2OnDamagedBlocks) {
  std::mt19937_64 rng(12);
  int damaged = 0;
  for (int i = 0; i < 300; ++i) {
    const std::size_t n = 1 + rng() % 30000;
    const Bytes plain = sample(rng, i, n);
    const Bytes packed = compress(plain, i % 3 == 0 ? Compressor::X999 : Compressor::X1);
    for (int k = 0; k < 25; ++k) {
      Bytes bad = packed;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<unsigned char>(1u << (rng() % 8));
      const std::size_t len = (k % 4 == 0) ? rng() % bad.size() : bad.size();
      // Output sizes: exact, smaller, larger than the original.
      const std::size_t out_size = (k % 3 == 0) ? n : (k % 3 == 1) ? n / 2 : n + 64;
      Bytes theirs(out_size + 1), mine(out_size);
      lzo_uint their_n = out_size;
      const int rc = lzo1x_decompress_safe(bad.data(), len, theirs.data(), &their_n, nullptr);
      const auto r = ours(bad, len, mine);
      const bool their_ok = rc == LZO_E_OK;
      const bool my_ok = r.status == lzo1x::Status::Ok;
      ASSERT_EQ(my_ok, their_ok) << "case " << i << "/" << k << " liblzo2 rc " << rc << ", ours "
                                 << lzo1x::to_string(r.status);
      if (my_ok) {
        ASSERT_EQ(r.produced, their_n);
        ASSERT_EQ(std::memcmp(mine.data(), theirs.data(), r.produced), 0);
      }
      ++damaged;
    }
  }
  EXPECT_EQ(damaged, 300 * 25);
}

TEST_F(CodecLzo1xDecoder, TruncatedAtEveryByteIsRejected) {
  std::mt19937_64 rng(13);
  const Bytes plain = sample(rng, 5, 3000);
  const Bytes packed = compress(plain, Compressor::X1);
  Bytes out(plain.size());
  for (std::size_t len = 0; len < packed.size(); ++len) {
    EXPECT_NE(ours(packed, len, out).status, lzo1x::Status::Ok) << len;
  }
  EXPECT_EQ(ours(packed, packed.size(), out).status, lzo1x::Status::Ok);
}

TEST_F(CodecLzo1xDecoder, ReportsSpecificErrors) {
  std::mt19937_64 rng(14);
  const Bytes plain = sample(rng, 2, 10000);
  Bytes packed = compress(plain, Compressor::X1);
  Bytes small(plain.size() - 1);
  EXPECT_EQ(ours(packed, packed.size(), small).status, lzo1x::Status::OutputOverrun);
  Bytes out(plain.size());
  Bytes longer = packed;
  longer.push_back(0);
  EXPECT_EQ(ours(longer, longer.size(), out).status, lzo1x::Status::InputNotConsumed);
  EXPECT_EQ(ours(packed, packed.size() - 1, out).status, lzo1x::Status::InputOverrun);
  // A match reaching before the start: literal "a", then an M2 of distance 8.
  const Bytes lookbehind = {18, 'a', 0x7C, 0x00, 0x11, 0x00, 0x00};
  EXPECT_EQ(ours(lookbehind, lookbehind.size(), out).status, lzo1x::Status::LookbehindOverrun);
}

// Found by fuzz_lzo1x: an end marker (M4, distance 0) whose length was
// extended past the output size. liblzo2 ignores the marker's length and
// accepts the block; we rejected it as an output overrun.
TEST_F(CodecLzo1xDecoder, EndMarkerWithALongExtendedLengthIsAcceptedLikeLiblzo2) {
  Bytes block = {0x02, 0x3f, 0x3e, 0x0b, 0x00, 0xd0, 0x10};
  block.insert(block.end(), 23, 0x00);  // 23 * 255 added to the marker's length
  block.insert(block.end(), {0x7e, 0x00, 0x00});
  Bytes theirs(2000), mine(2000);
  lzo_uint their_n = theirs.size();
  ASSERT_EQ(lzo1x_decompress_safe(block.data(), block.size(), theirs.data(), &their_n, nullptr), LZO_E_OK);
  const auto r = ours(block, block.size(), mine);
  EXPECT_EQ(r.status, lzo1x::Status::Ok) << lzo1x::to_string(r.status);
  EXPECT_EQ(r.produced, their_n);
  EXPECT_EQ(std::memcmp(mine.data(), theirs.data(), their_n), 0);
}

}  // namespace
}  // namespace wale::codec
