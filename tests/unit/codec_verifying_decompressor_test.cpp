// codec::make_verifying_decompressor: a decoder that checks every output byte
// against a checksum written with the stream, and refuses streams without one.
// backup-fetch relies on it to skip the store's own digest of the same bytes
// (store::ObjectStore::get_verified_by_reader), so it must refuse a damaged
// byte anywhere, a frame without content checksum and a skippable frame,
// whichever way the input is cut into calls.
#include <gtest/gtest.h>

#include <lz4frame.h>
#include <zstd.h>

#include <cstring>
#include <random>
#include <vector>

#include "codec/codec.h"
#include "core/error.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"

namespace wale::codec {
namespace {

using Bytes = std::vector<std::byte>;

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b(n);
  std::mt19937_64 rng(seed);
  for (auto& x : b) x = std::byte(rng() & 0xFF);
  return b;
}

// Half random, half repeated text: literal and matched blocks both.
Bytes mixed_bytes(std::size_t n) {
  Bytes b = random_bytes(n / 2, 7);
  const std::string text = "pg relation page with rows, rows and rows; ";
  while (b.size() < n) b.push_back(std::byte(text[b.size() % text.size()]));
  return b;
}

Bytes compress(std::span<const std::byte> in) {
  auto f = make_compressor(Codec::Lz4);
  Bytes out;
  f->process(in, out);
  f->finish(out);
  return out;
}

// An lz4 frame as liblz4 writes it with the given content-checksum flag.
Bytes lz4_frame(std::span<const std::byte> in, bool content_checksum) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentChecksumFlag = content_checksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
  Bytes out(LZ4F_compressFrameBound(in.size(), &prefs));
  std::size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  EXPECT_FALSE(LZ4F_isError(n));
  out.resize(n);
  return out;
}

// Decodes `in` fed in `chunk`-sized calls, through process() or process_into().
Bytes decode(io::Filter& f, std::span<const std::byte> in, std::size_t chunk, bool into) {
  Bytes out;
  if (!into) {
    for (std::size_t pos = 0; pos < in.size(); pos += chunk)
      f.process(in.subspan(pos, std::min(chunk, in.size() - pos)), out);
    f.finish(out);
    return out;
  }
  Bytes room(64 * 1024);
  std::size_t pos = 0;
  for (;;) {
    auto piece = in.subspan(pos, std::min(chunk, in.size() - pos));
    auto p = f.process_into(piece, room);
    out.insert(out.end(), room.begin(), room.begin() + static_cast<std::ptrdiff_t>(p.produced));
    pos += p.consumed;
    if (pos == in.size() && p.produced == 0) break;
  }
  f.finish(out);
  return out;
}

ErrorCode error_of(std::span<const std::byte> in, std::size_t chunk, bool into, std::string* msg = nullptr) {
  try {
    auto f = make_verifying_decompressor(Codec::Lz4);
    decode(*f, in, chunk, into);
  } catch (const Error& e) {
    if (msg) *msg = e.message();
    return e.code();
  }
  return ErrorCode::Internal;  // accepted
}

TEST(VerifyingDecompressor, Lz4AndZstdCanRequireTheirChecksums) {
  EXPECT_NE(make_verifying_decompressor(Codec::Lz4), nullptr);
  EXPECT_NE(make_verifying_decompressor(Codec::Zstd), nullptr);
  EXPECT_EQ(make_verifying_decompressor(Codec::None), nullptr);
  EXPECT_EQ(make_verifying_decompressor(Codec::Lzop), nullptr);
}

// zstd: the same guarantees (ZSTD_compress() writes frames without checksum).
TEST(VerifyingDecompressor, Zstd) {
  Bytes data = mixed_bytes(700000);
  auto enc = make_compressor(Codec::Zstd);
  Bytes z;
  enc->process(data, z);
  enc->finish(z);
  Bytes bare(ZSTD_compressBound(data.size()));
  bare.resize(ZSTD_compress(bare.data(), bare.size(), data.data(), data.size(), 1));
  Bytes two = z;
  two.insert(two.end(), z.begin(), z.end());
  Bytes twice = data;
  twice.insert(twice.end(), data.begin(), data.end());
  Bytes skippable = {std::byte{0x50}, std::byte{0x2A}, std::byte{0x4D}, std::byte{0x18}, std::byte{1},
                     std::byte{0},    std::byte{0},    std::byte{0},    std::byte{9}};
  skippable.insert(skippable.end(), z.begin(), z.end());
  for (bool into : {false, true}) {
    for (std::size_t chunk : {std::size_t{2}, std::size_t{4096}, two.size()}) {
      if (chunk == 2 && into) continue;
      SCOPED_TRACE(std::to_string(chunk) + (into ? " into" : ""));
      auto f = make_verifying_decompressor(Codec::Zstd);
      EXPECT_EQ(decode(*f, two, chunk, into), twice);
      auto ordinary = make_decompressor(Codec::Zstd);
      EXPECT_EQ(decode(*ordinary, bare, chunk, into), data);  // control: valid zstd
      for (const Bytes* bad : {&bare, &skippable}) {
        try {
          auto v = make_verifying_decompressor(Codec::Zstd);
          decode(*v, *bad, chunk, into);
          ADD_FAILURE() << "accepted a stream with an unchecked frame";
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
        }
      }
    }
  }
  Bytes tail = z;
  tail.insert(tail.end(), bare.begin(), bare.end());  // a good frame, then one without checksum
  try {
    auto v = make_verifying_decompressor(Codec::Zstd);
    decode(*v, tail, 4096, false);
    ADD_FAILURE() << "accepted a second frame without checksum";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.message()).find("no content checksum"), std::string::npos) << e.message();
  }
  // A flipped bit is refused, or (a header field that does not change the
  // output, e.g. a larger window) decodes to the very same bytes: damaged
  // output is never returned.
  std::mt19937_64 rng(3);
  int refused = 0;
  for (int i = 0; i < 40; ++i) {
    Bytes bad = z;
    std::size_t pos = i < 6 ? static_cast<std::size_t>(i) : rng() % z.size();
    bad[pos] ^= std::byte{0x04};
    try {
      auto v = make_verifying_decompressor(Codec::Zstd);
      EXPECT_EQ(decode(*v, bad, 65536, i % 2 == 0), data) << "damaged output for a flipped bit at " << pos;
    } catch (const Error& e) {
      ++refused;
      EXPECT_TRUE(e.code() == ErrorCode::Corrupt || e.code() == ErrorCode::Unsupported) << e.message();
    }
  }
  EXPECT_GE(refused, 35);
}

TEST(VerifyingDecompressor, DecodesWhatWalEWritesInAnyCuts) {
  Bytes data = mixed_bytes(1 << 20);
  Bytes z = compress(data);
  for (bool into : {false, true}) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{4096}, z.size()}) {
      if (chunk == 1 && into) continue;  // byte by byte through process_into is slow; process() covers it
      auto f = make_verifying_decompressor(Codec::Lz4);
      EXPECT_EQ(decode(*f, z, chunk, into), data) << chunk << " " << into;
    }
  }
  // Frames back to back, each with its checksum (header split across calls too).
  Bytes two = z;
  two.insert(two.end(), z.begin(), z.end());
  Bytes twice = data;
  twice.insert(twice.end(), data.begin(), data.end());
  for (std::size_t chunk : {std::size_t{3}, std::size_t{65536}}) {
    auto f = make_verifying_decompressor(Codec::Lz4);
    EXPECT_EQ(decode(*f, two, chunk, false), twice);
  }
}

TEST(VerifyingDecompressor, RefusesAFrameWithoutContentChecksum) {
  Bytes data = mixed_bytes(300000);
  Bytes plain = lz4_frame(data, false);
  // The ordinary decoder accepts it (the lz4 tool can write such frames)...
  auto ordinary = make_decompressor(Codec::Lz4);
  EXPECT_EQ(decode(*ordinary, plain, 4096, false), data);
  // ...the verifying one refuses it, however the header arrives.
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{5}, plain.size()}) {
    std::string msg;
    EXPECT_EQ(error_of(plain, chunk, false, &msg), ErrorCode::Corrupt) << chunk;
    EXPECT_NE(msg.find("no content checksum"), std::string::npos) << msg;
    EXPECT_EQ(error_of(plain, chunk, true), ErrorCode::Corrupt) << chunk;
  }
  // A second frame without one, after a good frame, is refused too.
  Bytes mixed = lz4_frame(data, true);
  Bytes tail = lz4_frame(data, false);
  mixed.insert(mixed.end(), tail.begin(), tail.end());
  EXPECT_EQ(error_of(mixed, 4096, false), ErrorCode::Corrupt);
  EXPECT_EQ(error_of(mixed, 4096, true), ErrorCode::Corrupt);
}

TEST(VerifyingDecompressor, RefusesSkippableFrames) {
  Bytes data = mixed_bytes(100000);
  Bytes z = compress(data);
  Bytes skippable = {std::byte{0x50}, std::byte{0x2A}, std::byte{0x4D}, std::byte{0x18}, std::byte{4}, std::byte{0},
                     std::byte{0},    std::byte{0},    std::byte{1},    std::byte{2},    std::byte{3}, std::byte{4}};
  Bytes with = skippable;
  with.insert(with.end(), z.begin(), z.end());
  auto ordinary = make_decompressor(Codec::Lz4);
  EXPECT_EQ(decode(*ordinary, with, 4096, false), data);  // control: valid lz4
  EXPECT_EQ(error_of(with, 4096, false), ErrorCode::Corrupt);
  EXPECT_EQ(error_of(with, 4096, true), ErrorCode::Corrupt);
}

// Any single flipped bit, anywhere in the stream (header, block sizes,
// literals, matches, the checksum itself), is refused.
TEST(VerifyingDecompressor, AFlippedBitAnywhereIsRefused) {
  Bytes data = mixed_bytes(600000);
  Bytes z = compress(data);
  std::mt19937_64 rng(11);
  std::vector<std::size_t> positions = {0, 3, 4, 5, 6, 7, 8, 10, z.size() / 2, z.size() - 5, z.size() - 1};
  for (int i = 0; i < 60; ++i) positions.push_back(rng() % z.size());
  for (std::size_t pos : positions) {
    for (int bit : {0, 2, 5}) {
      Bytes bad = z;
      bad[pos] ^= std::byte(1u << bit);
      EXPECT_EQ(error_of(bad, 65536, pos % 2 == 0), ErrorCode::Corrupt) << "byte " << pos << " bit " << bit;
    }
  }
}

// The way backup-fetch reads: FilterSource over the downloaded bytes.
TEST(VerifyingDecompressor, AFilterSourceReadToTheEndChecksTheLastBytes) {
  Bytes data = mixed_bytes(200000);
  Bytes z = compress(data);
  z[z.size() - 2] ^= std::byte{0x10};  // inside the content checksum: only the end can tell
  io::FilterSource src(make_verifying_decompressor(Codec::Lz4),
                       std::make_unique<io::StringViewSource>(
                           std::string_view(reinterpret_cast<const char*>(z.data()), z.size())));
  std::vector<std::byte> buf(1 << 16);
  try {
    while (src.read(buf) > 0) {
    }
    FAIL() << "a damaged checksum was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt) << e.message();
  }
}

}  // namespace
}  // namespace wale::codec
