// Decoding straight into the reader's buffer (Filter::process_into through
// FilterSource): the same bytes as the vector path for every read size, and
// the same failures for damaged streams.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "core/error.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"

namespace wale {
namespace {

using Bytes = std::vector<std::byte>;
constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * 1024;

Bytes sample(std::size_t n, unsigned seed) {
  Bytes b(n);
  std::mt19937 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    // 8 KiB pages: half text-like and compressible, half noise
    b[i] = (i / 8192) % 2 == 0 ? std::byte(static_cast<unsigned char>('a' + (i / 64) % 26)) : std::byte(rng() & 0xFF);
  }
  return b;
}

Bytes compress(codec::Codec c, const Bytes& in) {
  auto f = codec::make_compressor(c);
  Bytes out;
  for (std::size_t pos = 0; pos < in.size(); pos += 300 * kKiB) {
    f->process(std::span<const std::byte>(in).subspan(pos, std::min(300 * kKiB, in.size() - pos)), out);
  }
  f->finish(out);
  return out;
}

// Counts which entry point FilterSource uses, forwarding to the real decoder.
class Counting final : public io::Filter {
 public:
  explicit Counting(std::unique_ptr<io::Filter> inner) : inner_(std::move(inner)) {}
  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override { inner_->process(in, out); }
  std::size_t process_some(std::span<const std::byte> in, std::vector<std::byte>& out, std::size_t limit) override {
    ++some;
    return inner_->process_some(in, out, limit);
  }
  void finish(std::vector<std::byte>& out) override { inner_->finish(out); }
  bool decodes_into() const override { return inner_->decodes_into(); }
  Progress process_into(std::span<const std::byte> in, std::span<std::byte> out) override {
    ++into;
    return inner_->process_into(in, out);
  }
  int some = 0;
  int into = 0;

 private:
  std::unique_ptr<io::Filter> inner_;
};

Bytes read_all(io::ByteSource& src, std::size_t size) {
  Bytes all, buf(size);
  while (std::size_t n = src.read(buf))
    all.insert(all.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  EXPECT_EQ(src.read(buf), 0u) << "a read after the end";
  return all;
}

std::string name_of(const testing::TestParamInfo<codec::Codec>& info) {
  return std::string(codec::codec_name(info.param));
}

class DecodeInto : public testing::TestWithParam<codec::Codec> {};

TEST_P(DecodeInto, TheDecoderOffersIt) { EXPECT_TRUE(codec::make_decompressor(GetParam())->decodes_into()); }

// Two frames back to back (two partitions' worth of tar), read with sizes
// smaller, equal to and larger than the decoders' blocks (lz4 256 KiB).
TEST_P(DecodeInto, EveryReadSizeGivesTheSameBytesWithoutTheVectorPath) {
  const Bytes a = sample(3 * kMiB + 12345, 1), b = sample(256 * kKiB, 2);
  Bytes packed = compress(GetParam(), a);
  const Bytes second = compress(GetParam(), b);
  packed.insert(packed.end(), second.begin(), second.end());
  Bytes expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  for (std::size_t size : {std::size_t{1}, std::size_t{4095}, 64 * kKiB, 256 * kKiB, 256 * kKiB + 3, kMiB, 5 * kMiB}) {
    SCOPED_TRACE(size);
    auto counting = std::make_unique<Counting>(codec::make_decompressor(GetParam()));
    Counting* c = counting.get();
    io::FilterSource src(std::move(counting), std::make_unique<io::MemorySource>(packed));
    Bytes got = read_all(src, size);
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_TRUE(got == expected);
    EXPECT_GT(c->into, 0);
    EXPECT_EQ(c->some, 0) << "decoded through the intermediate vector";
  }
}

// Output that ends exactly at a read boundary: what the decoder still holds
// when the input ends must come out before the end is reported.
TEST_P(DecodeInto, OutputEndingAtAReadBoundaryIsFlushed) {
  for (std::size_t size : {64 * kKiB, 256 * kKiB, kMiB}) {
    SCOPED_TRACE(size);
    const Bytes input = sample(4 * size, 3);
    io::FilterSource src(codec::make_decompressor(GetParam()),
                         std::make_unique<io::MemorySource>(compress(GetParam(), input)));
    EXPECT_TRUE(read_all(src, size) == input);
  }
}

Error read_error(codec::Codec c, const Bytes& packed, std::size_t size) {
  io::FilterSource src(codec::make_decompressor(c), std::make_unique<io::MemorySource>(packed));
  Bytes buf(size);
  try {
    while (src.read(buf) > 0) {
    }
  } catch (const Error& e) {
    // sticky: never a clean end afterwards
    EXPECT_THROW(src.read(buf), Error);
    return e;
  }
  ADD_FAILURE() << "a damaged stream was read to its end";
  return Error(ErrorCode::Internal, "none");
}

TEST_P(DecodeInto, TruncationIsCorrupt) {
  const Bytes packed = compress(GetParam(), sample(kMiB + 100, 4));
  for (std::size_t cut : {std::size_t{3}, packed.size() / 2, packed.size() - 5, packed.size() - 1}) {
    SCOPED_TRACE(cut);
    EXPECT_EQ(read_error(GetParam(), Bytes(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(cut)),
                         256 * kKiB)
                  .code(),
              ErrorCode::Corrupt);
  }
}

// The last bytes are the frame's content checksum (lz4; zstd as we write it):
// the direct path still verifies it.
TEST_P(DecodeInto, DamageAnywhereIncludingTheChecksumIsCorrupt) {
  const Bytes packed = compress(GetParam(), sample(kMiB + 100, 5));
  for (std::size_t pos : {packed.size() / 3, packed.size() / 2, packed.size() - 2}) {
    SCOPED_TRACE(pos);
    Bytes bad = packed;
    bad[pos] ^= std::byte{0x10};
    EXPECT_EQ(read_error(GetParam(), bad, 256 * kKiB).code(), ErrorCode::Corrupt);
  }
  Bytes junk = packed;
  junk.push_back(std::byte{7});
  EXPECT_EQ(read_error(GetParam(), junk, 256 * kKiB).code(), ErrorCode::Corrupt);
}

INSTANTIATE_TEST_SUITE_P(Codec, DecodeInto, testing::Values(codec::Codec::Lz4, codec::Codec::Zstd), name_of);

}  // namespace
}  // namespace wale
