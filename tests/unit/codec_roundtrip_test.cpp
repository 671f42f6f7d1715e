// Round trips, corruption detection and filter-contract checks for every codec.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "core/error.h"

namespace wale::codec {
namespace {

using Bytes = std::vector<std::byte>;

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * 1024;

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b(n);
  std::mt19937_64 rng(seed);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(b.data() + i, &v, 8);
  }
  for (; i < n; ++i) b[i] = std::byte(rng() & 0xFF);
  return b;
}

// Text-like records with counters, zero runs and a little noise.
Bytes compressible_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b;
  b.reserve(n + 128);
  std::mt19937_64 rng(seed);
  std::uint64_t counter = 0;
  while (b.size() < n) {
    const std::string rec =
        "INSERT INTO t VALUES (" + std::to_string(counter++) + ", 'row-" + std::to_string(rng() % 1000) + "');\n";
    for (char c : rec) b.push_back(std::byte(c));
    if (counter % 64 == 0) b.insert(b.end(), 512, std::byte{0});
  }
  b.resize(n);
  return b;
}

Bytes run(io::Filter& filter, std::span<const std::byte> in, std::size_t chunk) {
  Bytes out;
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    filter.process(in.subspan(pos, std::min(chunk, in.size() - pos)), out);
  }
  filter.finish(out);
  return out;
}

Bytes compress(Codec c, std::span<const std::byte> in, std::size_t chunk = 64 * kKiB) {
  auto f = make_compressor(c);
  return run(*f, in, chunk);
}

Bytes decompress(Codec c, std::span<const std::byte> in, std::size_t chunk = 64 * kKiB) {
  auto f = make_decompressor(c);
  return run(*f, in, chunk);
}

// Runs the decoder and returns the error code it threw; fails the test if none.
ErrorCode decode_error(Codec c, std::span<const std::byte> in, std::size_t chunk, std::string* message = nullptr) {
  try {
    decompress(c, in, chunk);
  } catch (const Error& e) {
    if (message) *message = e.message();
    return e.code();
  }
  ADD_FAILURE() << codec_name(c) << ": decoder accepted bad input of " << in.size() << " bytes";
  return ErrorCode::Internal;
}

std::string name_of(const testing::TestParamInfo<Codec>& info) { return std::string(codec_name(info.param)); }

const Codec kAll[] = {Codec::None, Codec::Lzop, Codec::Lz4, Codec::Zstd};
const Codec kCompressed[] = {Codec::Lzop, Codec::Lz4, Codec::Zstd};

class CodecRoundTrip : public testing::TestWithParam<Codec> {
 protected:
  void check(const Bytes& input, std::size_t chunk) {
    const Bytes packed = compress(GetParam(), input, chunk);
    const Bytes back = decompress(GetParam(), packed, chunk);
    ASSERT_EQ(back.size(), input.size()) << "chunk " << chunk;
    EXPECT_TRUE(back == input) << "chunk " << chunk;
  }
};

TEST_P(CodecRoundTrip, Empty) {
  for (std::size_t chunk : {1, 7}) check({}, chunk);
}

TEST_P(CodecRoundTrip, OneByte) {
  for (std::size_t chunk : {1, 7, 1024 * 1024}) check(Bytes{std::byte{0x5A}}, chunk);
}

TEST_P(CodecRoundTrip, ExactlyOneLzopBlock) {
  for (std::size_t chunk : {std::size_t{7}, kMiB}) {
    check(compressible_bytes(256 * kKiB, 1), chunk);
    check(random_bytes(256 * kKiB, 2), chunk);
  }
}

TEST_P(CodecRoundTrip, OneLzopBlockPlusOne) {
  for (std::size_t chunk : {std::size_t{7}, kMiB}) {
    check(compressible_bytes(256 * kKiB + 1, 3), chunk);
    check(random_bytes(256 * kKiB + 1, 4), chunk);
  }
}

TEST_P(CodecRoundTrip, FiveMiBRandom) {
  const Bytes input = random_bytes(5 * kMiB + 123, 5);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, kMiB}) check(input, chunk);
}

TEST_P(CodecRoundTrip, FiveMiBCompressible) {
  const Bytes input = compressible_bytes(5 * kMiB + 321, 6);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, kMiB}) check(input, chunk);
}

TEST_P(CodecRoundTrip, DifferentChunkingOnEachSide) {
  Bytes input = compressible_bytes(3 * kMiB, 7);
  const Bytes noise = random_bytes(kMiB, 8);
  input.insert(input.end(), noise.begin(), noise.end());
  const Bytes packed = compress(GetParam(), input, 7);
  EXPECT_TRUE(decompress(GetParam(), packed, kMiB) == input);
  EXPECT_TRUE(decompress(GetParam(), packed, 4093) == input);
  EXPECT_TRUE(decompress(GetParam(), packed, packed.size() + 1) == input);
}

TEST_P(CodecRoundTrip, OutputFillsDecoderBuffersExactly) {
  // Decoded sizes that are exact multiples of the decoders' output buffers,
  // handed over in one call: the end-of-frame state must survive the flush.
  for (std::size_t size : {kMiB, 4 * kMiB, 8 * kMiB}) {
    const Bytes input = compressible_bytes(size, 22);
    const Bytes packed = compress(GetParam(), input, size);
    EXPECT_TRUE(decompress(GetParam(), packed, packed.size()) == input) << size;
  }
}

INSTANTIATE_TEST_SUITE_P(Codec, CodecRoundTrip, testing::ValuesIn(kAll), name_of);

class CodecStreamContract : public testing::TestWithParam<Codec> {};

TEST_P(CodecStreamContract, CompressibleDataShrinks) {
  const Bytes input = compressible_bytes(2 * kMiB, 9);
  EXPECT_LT(compress(GetParam(), input).size(), input.size() / 3);
}

TEST_P(CodecStreamContract, UseAfterFinishIsAnInternalError) {
  auto c = make_compressor(GetParam());
  Bytes out;
  c->finish(out);
  const Bytes one{std::byte{1}};
  try {
    c->process(one, out);
    ADD_FAILURE() << "process after finish accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Internal);
  }
  auto d = make_decompressor(GetParam());
  Bytes back;
  d->process(out, back);
  d->finish(back);
  EXPECT_THROW(d->finish(back), Error);
}

INSTANTIATE_TEST_SUITE_P(Codec, CodecStreamContract, testing::ValuesIn(kCompressed), name_of);

class CodecCorruption : public testing::TestWithParam<Codec> {
 protected:
  // Several blocks: compressible, then incompressible, then compressible again.
  static Bytes sample() {
    Bytes input = compressible_bytes(700 * kKiB, 10);
    const Bytes noise = random_bytes(300 * kKiB, 11);
    input.insert(input.end(), noise.begin(), noise.end());
    const Bytes tail = compressible_bytes(100 * kKiB, 12);
    input.insert(input.end(), tail.begin(), tail.end());
    return input;
  }
};

TEST_P(CodecCorruption, TruncationIsCorrupt) {
  const Bytes packed = compress(GetParam(), sample());
  ASSERT_GT(packed.size(), 64u);
  const std::size_t n = packed.size();
  for (std::size_t cut : {std::size_t{1}, std::size_t{4}, std::size_t{9}, std::size_t{20}, std::size_t{40}, n / 4,
                          n / 2, n - 100, n - 5, n - 4, n - 1}) {
    const std::span<const std::byte> part(packed.data(), cut);
    for (std::size_t chunk : {std::size_t{7}, 64 * kKiB}) {
      EXPECT_EQ(decode_error(GetParam(), part, chunk), ErrorCode::Corrupt)
          << "cut at " << cut << " of " << n << ", chunk " << chunk;
    }
  }
}

TEST_P(CodecCorruption, EmptyInputIsCorrupt) { EXPECT_EQ(decode_error(GetParam(), {}, 1), ErrorCode::Corrupt); }

TEST_P(CodecCorruption, FlippedPayloadByteIsCorrupt) {
  const Bytes input = sample();
  const Bytes packed = compress(GetParam(), input);
  const std::size_t n = packed.size();
  // Positions inside compressed, stored and late blocks (never the header).
  for (std::size_t pos : {n / 10, n / 5, n / 3, n / 2, 2 * n / 3, 9 * n / 10, n - 20}) {
    Bytes bad = packed;
    bad[pos] ^= std::byte{0x20};
    std::string message;
    EXPECT_EQ(decode_error(GetParam(), bad, 64 * kKiB, &message), ErrorCode::Corrupt)
        << "flip at " << pos << " of " << n;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// The stream's last bytes (lz4's and zstd's content checksum, lzop's
// trailer): each is checked however the input is cut (lz4 verifies the
// checksum itself, from the last 4 bytes it saw, see lz4_decompressor.h).
TEST_P(CodecCorruption, EveryByteOfTheContentChecksumIsChecked) {
  const Bytes packed = compress(GetParam(), compressible_bytes(300 * kKiB, 30));
  ASSERT_GT(packed.size(), 8u);
  for (std::size_t back = 1; back <= 4; ++back) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{5}, 64 * kKiB}) {
      Bytes bad = packed;
      bad[bad.size() - back] ^= std::byte{0x01};
      EXPECT_EQ(decode_error(GetParam(), bad, chunk), ErrorCode::Corrupt) << back << " from the end, chunk " << chunk;
    }
  }
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{5}}) {
    EXPECT_TRUE(decompress(GetParam(), packed, chunk) == compressible_bytes(300 * kKiB, 30)) << chunk;
  }
}

TEST_P(CodecCorruption, GarbageIsCorrupt) {
  const Bytes garbage = random_bytes(100 * kKiB, 13);
  EXPECT_EQ(decode_error(GetParam(), garbage, 4096), ErrorCode::Corrupt);
  const Bytes text = compressible_bytes(1000, 14);
  EXPECT_EQ(decode_error(GetParam(), text, 1), ErrorCode::Corrupt);
}

TEST_P(CodecCorruption, TrailingJunkIsCorrupt) {
  Bytes packed = compress(GetParam(), compressible_bytes(100 * kKiB, 15));
  for (std::size_t junk : {std::size_t{1}, std::size_t{3}, std::size_t{64}}) {
    Bytes bad = packed;
    const Bytes extra = random_bytes(junk, 16 + junk);
    bad.insert(bad.end(), extra.begin(), extra.end());
    EXPECT_EQ(decode_error(GetParam(), bad, 4096), ErrorCode::Corrupt) << junk << " junk bytes";
  }
}

TEST_P(CodecCorruption, ConcatenatedStreamsDecodeToConcatenation) {
  const Bytes a = compressible_bytes(300 * kKiB, 17);
  const Bytes b = random_bytes(10 * kKiB, 18);
  Bytes packed = compress(GetParam(), a);
  const Bytes second = compress(GetParam(), b);
  packed.insert(packed.end(), second.begin(), second.end());
  Bytes expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  EXPECT_TRUE(decompress(GetParam(), packed, 7) == expected);
  EXPECT_TRUE(decompress(GetParam(), packed, kMiB) == expected);
}

TEST_P(CodecCorruption, OtherCodecsStreamIsRejected) {
  const Bytes input = compressible_bytes(10 * kKiB, 19);
  for (Codec other : kCompressed) {
    if (other == GetParam()) continue;
    EXPECT_EQ(decode_error(GetParam(), compress(other, input), 4096), ErrorCode::Corrupt)
        << codec_name(other) << " fed to " << codec_name(GetParam());
  }
}

INSTANTIATE_TEST_SUITE_P(Codec, CodecCorruption, testing::ValuesIn(kCompressed), name_of);

TEST(CodecLevels, OutOfRangeLevelIsConfigError) {
  for (auto [codec, level] : {std::pair{Codec::Zstd, 100}, std::pair{Codec::Zstd, -1000000}, std::pair{Codec::Lz4, 13},
                              std::pair{Codec::Lz4, -100000}}) {
    CompressOptions options;
    options.level = level;
    try {
      make_compressor(codec, options);
      ADD_FAILURE() << codec_name(codec) << " accepted level " << level;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::Config);
    }
  }
}

TEST(CodecLevels, NonDefaultLevelsRoundTrip) {
  const Bytes input = compressible_bytes(kMiB, 20);
  for (auto [codec, level] : {std::pair{Codec::Zstd, 19}, std::pair{Codec::Zstd, -5}, std::pair{Codec::Lz4, 9},
                              std::pair{Codec::Lz4, -10}, std::pair{Codec::Lzop, 9}}) {
    CompressOptions options;
    options.level = level;
    auto c = make_compressor(codec, options);
    const Bytes packed = run(*c, input, 100 * kKiB);
    EXPECT_TRUE(decompress(codec, packed) == input) << codec_name(codec) << " level " << level;
  }
}

TEST(CodecLevels, HigherZstdLevelCompressesBetter) {
  const Bytes input = compressible_bytes(2 * kMiB, 21);
  CompressOptions fast;
  CompressOptions strong;
  strong.level = 12;
  auto a = make_compressor(Codec::Zstd, fast);
  auto b = make_compressor(Codec::Zstd, strong);
  EXPECT_LT(run(*b, input, kMiB).size(), run(*a, input, kMiB).size());
}

}  // namespace
}  // namespace wale::codec
