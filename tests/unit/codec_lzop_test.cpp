// lzop reader: hand-built streams for every header variant and flag lzop
// defines, malformed streams, and WAL-E's own objects from the fixture.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "core/error.h"

namespace wale::codec {
namespace {

using Bytes = std::vector<std::byte>;
constexpr std::size_t kBlock = 256 * 1024;

// Independent reference checksums (bytewise, test-only).
std::uint32_t ref_adler32(std::span<const std::byte> d, std::uint32_t seed = 1) {
  std::uint32_t a = seed & 0xFFFF, b = seed >> 16;
  for (std::byte x : d) {
    a = (a + std::to_integer<std::uint32_t>(x)) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

std::uint32_t ref_crc32(std::span<const std::byte> d) {
  std::uint32_t c = 0xFFFFFFFF;
  for (std::byte x : d) {
    c ^= std::to_integer<std::uint32_t>(x);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void put8(Bytes& b, std::uint32_t v) { b.push_back(std::byte(v & 0xFF)); }
void put16(Bytes& b, std::uint32_t v) {
  put8(b, v >> 8);
  put8(b, v);
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xFFFF);
}
std::uint32_t get32(std::span<const std::byte> b, std::size_t at) {
  return (std::to_integer<std::uint32_t>(b[at]) << 24) | (std::to_integer<std::uint32_t>(b[at + 1]) << 16) |
         (std::to_integer<std::uint32_t>(b[at + 2]) << 8) | std::to_integer<std::uint32_t>(b[at + 3]);
}

Bytes text_bytes(std::size_t n) {
  Bytes b;
  for (std::size_t i = 0; b.size() < n; ++i) {
    const std::string s = "line " + std::to_string(i) + " of a compressible sample\n";
    for (char c : s) b.push_back(std::byte(c));
  }
  b.resize(n);
  return b;
}

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Bytes b(n);
  std::mt19937_64 rng(seed);
  for (auto& x : b) x = std::byte(rng() & 0xFF);
  return b;
}

Bytes run(io::Filter& f, std::span<const std::byte> in, std::size_t chunk) {
  Bytes out;
  for (std::size_t pos = 0; pos < in.size(); pos += chunk) {
    f.process(in.subspan(pos, std::min(chunk, in.size() - pos)), out);
  }
  f.finish(out);
  return out;
}

Bytes decode(std::span<const std::byte> in, std::size_t chunk = 65536) {
  auto f = make_decompressor(Codec::Lzop);
  return run(*f, in, chunk);
}

ErrorCode decode_error(std::span<const std::byte> in, std::size_t chunk = 65536) {
  try {
    decode(in, chunk);
  } catch (const Error& e) {
    EXPECT_EQ(e.message().find('\n'), std::string::npos);
    EXPECT_NE(e.message().find("lzop"), std::string::npos) << e.message();
    return e.code();
  }
  ADD_FAILURE() << "lzop decoder accepted a bad stream";
  return ErrorCode::Internal;
}

// One block as our compressor wrote it: plain data and its payload.
struct Block {
  Bytes plain;
  Bytes payload;  // LZO1X data, or == plain when stored
  bool compressed() const { return payload.size() < plain.size(); }
};

// Splits our own compressor's output (fixed 38-byte header, adler32_D) into blocks.
std::vector<Block> our_blocks(const Bytes& input) {
  auto c = make_compressor(Codec::Lzop);
  const Bytes packed = run(*c, input, 1 << 20);
  std::vector<Block> blocks;
  std::size_t at = 38, offset = 0;
  for (;;) {
    const std::uint32_t dst = get32(packed, at);
    if (dst == 0) break;
    const std::uint32_t src = get32(packed, at + 4);
    Block b;
    b.plain.assign(input.begin() + static_cast<std::ptrdiff_t>(offset),
                   input.begin() + static_cast<std::ptrdiff_t>(offset + dst));
    b.payload.assign(packed.begin() + static_cast<std::ptrdiff_t>(at + 12),
                     packed.begin() + static_cast<std::ptrdiff_t>(at + 12 + src));
    blocks.push_back(std::move(b));
    at += 12 + src;
    offset += dst;
  }
  return blocks;
}

// Writes an lzop stream with any header layout and flags.
struct StreamSpec {
  std::uint16_t version = 0x1040;
  std::uint16_t version_needed = 0x0940;
  std::uint8_t method = 1;
  std::uint32_t flags = 0x03000000 | 0x1;  // OS_UNIX | F_ADLER32_D
  std::string name;
  std::string extra;  // written when flags has F_H_EXTRA_FIELD
};

constexpr std::uint32_t F_ADLER32_D = 0x1, F_ADLER32_C = 0x2, F_H_EXTRA_FIELD = 0x40, F_CRC32_D = 0x100,
                        F_CRC32_C = 0x200, F_MULTIPART = 0x400, F_H_CRC32 = 0x1000;

Bytes build(const StreamSpec& s, const std::vector<Block>& blocks) {
  Bytes out = {std::byte{0x89}, std::byte{'L'},  std::byte{'Z'},  std::byte{'O'}, std::byte{0},
               std::byte{0x0D}, std::byte{0x0A}, std::byte{0x1A}, std::byte{0x0A}};
  Bytes h;
  const bool modern = s.version >= 0x0940;
  put16(h, s.version);
  put16(h, 0x20A0);
  if (modern) put16(h, s.version_needed);
  put8(h, s.method);
  if (modern) put8(h, 5);
  put32(h, s.flags);
  put32(h, 0100644);
  put32(h, 1234567890);
  if (modern) put32(h, 0);
  put8(h, static_cast<std::uint32_t>(s.name.size()));
  for (char c : s.name) h.push_back(std::byte(c));
  const bool crc_header = s.flags & F_H_CRC32;
  const std::uint32_t hsum = crc_header ? ref_crc32(h) : ref_adler32(h);
  out.insert(out.end(), h.begin(), h.end());
  put32(out, hsum);
  if (s.flags & F_H_EXTRA_FIELD) {
    Bytes e;
    put32(e, static_cast<std::uint32_t>(s.extra.size()));
    for (char c : s.extra) e.push_back(std::byte(c));
    out.insert(out.end(), e.begin(), e.end());
    put32(out, crc_header ? ref_crc32(e) : ref_adler32(e));
  }
  for (const Block& b : blocks) {
    put32(out, static_cast<std::uint32_t>(b.plain.size()));
    put32(out, static_cast<std::uint32_t>(b.payload.size()));
    if (s.flags & F_ADLER32_D) put32(out, ref_adler32(b.plain));
    if (s.flags & F_CRC32_D) put32(out, ref_crc32(b.plain));
    if (b.compressed()) {
      if (s.flags & F_ADLER32_C) put32(out, ref_adler32(b.payload));
      if (s.flags & F_CRC32_C) put32(out, ref_crc32(b.payload));
    }
    out.insert(out.end(), b.payload.begin(), b.payload.end());
  }
  put32(out, 0);
  return out;
}

// Two compressed blocks and a stored one.
struct Material {
  Bytes input;
  std::vector<Block> blocks;
};

const Material& material() {
  static const Material m = [] {
    Material x;
    x.input = text_bytes(2 * kBlock);
    const Bytes noise = random_bytes(100000, 1);
    x.input.insert(x.input.end(), noise.begin(), noise.end());
    x.blocks = our_blocks(x.input);
    return x;
  }();
  return m;
}

TEST(LzopFormat, ReferenceChecksumsMatchOurCompressor) {
  const auto& m = material();
  ASSERT_EQ(m.blocks.size(), 3u);
  EXPECT_TRUE(m.blocks[0].compressed());
  EXPECT_TRUE(m.blocks[1].compressed());
  EXPECT_FALSE(m.blocks[2].compressed());
  // Our own encoder's stream rebuilt by the test writer is byte-identical.
  auto c = make_compressor(Codec::Lzop);
  Bytes ours = run(*c, m.input, 4096);
  StreamSpec s;
  s.flags = 0x0300000D;
  Bytes rebuilt = build(s, m.blocks);
  ASSERT_EQ(ours.size(), rebuilt.size());
  // Mode and mtime differ (ours: 0/0); compare everything else.
  std::memset(ours.data() + 21, 0, 8);
  std::memset(rebuilt.data() + 21, 0, 8);
  std::memset(ours.data() + 34, 0, 4);
  std::memset(rebuilt.data() + 34, 0, 4);
  EXPECT_TRUE(ours == rebuilt);
}

TEST(LzopFormat, AllChecksumsExtraFieldAndName) {
  StreamSpec s;
  s.flags = 0x03000000 | F_ADLER32_D | F_ADLER32_C | F_CRC32_D | F_CRC32_C | F_H_CRC32 | F_H_EXTRA_FIELD;
  s.version_needed = 0x1010;
  s.name = "base/16384/1259";
  s.extra = "an extra header field";
  const Bytes stream = build(s, material().blocks);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, std::size_t{65536}}) {
    EXPECT_TRUE(decode(stream, chunk) == material().input) << "chunk " << chunk;
  }
}

TEST(LzopFormat, AdlerHeaderWithEmptyExtraField) {
  StreamSpec s;
  s.flags = 0x03000000 | F_ADLER32_D | F_H_EXTRA_FIELD;
  EXPECT_TRUE(decode(build(s, material().blocks), 3) == material().input);
}

TEST(LzopFormat, NoChecksumsAtAll) {
  StreamSpec s;
  s.flags = 0x03000000;
  EXPECT_TRUE(decode(build(s, material().blocks)) == material().input);
}

TEST(LzopFormat, OldHeaderLayoutBefore0940) {
  StreamSpec s;
  s.version = 0x0930;
  s.name = "old.txt";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{65536}}) {
    EXPECT_TRUE(decode(build(s, material().blocks), chunk) == material().input);
  }
}

TEST(LzopFormat, CompressedDataChecksumMismatchIsCorrupt) {
  for (std::uint32_t c_flag : {F_ADLER32_C, F_CRC32_C}) {
    StreamSpec s;
    s.flags = 0x03000000 | c_flag;  // no data checksum: only the C checksum can catch it
    Bytes stream = build(s, material().blocks);
    // First block: u32 dst, u32 src, u32 c-checksum, payload.
    const std::size_t payload = 38 + 12;
    stream[payload + 100] ^= std::byte{0x01};
    EXPECT_EQ(decode_error(stream), ErrorCode::Corrupt) << std::hex << c_flag;
  }
}

TEST(LzopFormat, Crc32DataMismatchIsCorrupt) {
  StreamSpec s;
  s.flags = 0x03000000 | F_CRC32_D;
  Bytes stream = build(s, material().blocks);
  stream[stream.size() - 4 - 10] ^= std::byte{0x80};  // inside the stored block
  EXPECT_EQ(decode_error(stream), ErrorCode::Corrupt);
}

TEST(LzopFormat, HeaderChecksumMismatchIsCorrupt) {
  for (std::uint32_t extra_flags : {0u, F_H_CRC32}) {
    StreamSpec s;
    s.flags |= extra_flags;
    Bytes stream = build(s, material().blocks);
    stream[25] ^= std::byte{0x01};  // mtime
    EXPECT_EQ(decode_error(stream), ErrorCode::Corrupt);
  }
}

TEST(LzopFormat, ExtraFieldChecksumMismatchIsCorrupt) {
  StreamSpec s;
  s.flags |= F_H_EXTRA_FIELD;
  s.extra = "abc";
  Bytes stream = build(s, material().blocks);
  stream[38 + 4 + 1] ^= std::byte{0x01};  // 'b'
  EXPECT_EQ(decode_error(stream, 1), ErrorCode::Corrupt);
}

TEST(LzopFormat, BadMagicIsCorrupt) {
  Bytes stream = build(StreamSpec{}, material().blocks);
  stream[1] = std::byte{'X'};
  EXPECT_EQ(decode_error(stream), ErrorCode::Corrupt);
}

TEST(LzopFormat, UnknownFlagBitsAreCorrupt) {
  StreamSpec s;
  s.flags |= 0x00010000;
  EXPECT_EQ(decode_error(build(s, material().blocks)), ErrorCode::Corrupt);
}

TEST(LzopFormat, TooOldVersionIsCorrupt) {
  StreamSpec s;
  s.version = 0x0800;
  EXPECT_EQ(decode_error(build(s, material().blocks)), ErrorCode::Corrupt);
}

TEST(LzopFormat, UnbuiltVariantsAreUnsupported) {
  StreamSpec zlib;
  zlib.method = 128;
  EXPECT_EQ(decode_error(build(zlib, material().blocks)), ErrorCode::Unsupported);
  StreamSpec future;
  future.version_needed = 0x2000;
  EXPECT_EQ(decode_error(build(future, material().blocks)), ErrorCode::Unsupported);
  StreamSpec multipart;
  multipart.flags |= F_MULTIPART;
  EXPECT_EQ(decode_error(build(multipart, material().blocks)), ErrorCode::Unsupported);
}

TEST(LzopFormat, ImpossibleBlockLengthsAreCorrupt) {
  const Bytes good = build(StreamSpec{}, material().blocks);
  Bytes huge = good;
  huge[38] = std::byte{0x10};  // dst_len > 256 MiB, above lzop's 64 MiB limit
  EXPECT_EQ(decode_error(huge), ErrorCode::Corrupt);
  Bytes src_larger = good;
  src_larger[38 + 4] = std::byte{0x7F};  // src_len > dst_len
  EXPECT_EQ(decode_error(src_larger), ErrorCode::Corrupt);
  Bytes src_zero = good;
  std::memset(src_zero.data() + 38 + 4, 0, 4);
  EXPECT_EQ(decode_error(src_zero), ErrorCode::Corrupt);
}

TEST(LzopFormat, CompressedLengthTooShortIsCorrupt) {
  // Cut the first compressed block's payload by one byte but keep it framed.
  std::vector<Block> blocks = material().blocks;
  blocks[0].payload.pop_back();
  EXPECT_EQ(decode_error(build(StreamSpec{}, blocks)), ErrorCode::Corrupt);
}

TEST(LzopFormat, ConcatenatedStreamsAndTrailingGarbage) {
  const Bytes one = build(StreamSpec{}, material().blocks);
  Bytes two = one;
  two.insert(two.end(), one.begin(), one.end());
  Bytes expected = material().input;
  expected.insert(expected.end(), material().input.begin(), material().input.end());
  EXPECT_TRUE(decode(two, 7) == expected);

  Bytes junk = one;
  for (char c : std::string("garbage after the end")) junk.push_back(std::byte(c));
  EXPECT_EQ(decode_error(junk), ErrorCode::Corrupt);
  Bytes zeros = one;
  zeros.insert(zeros.end(), 4, std::byte{0});
  EXPECT_EQ(decode_error(zeros), ErrorCode::Corrupt);
}

TEST(LzopFormat, TruncationAtEveryHeaderByteIsCorrupt) {
  StreamSpec s;
  s.flags |= F_H_EXTRA_FIELD | F_CRC32_D;
  s.name = "n";
  s.extra = "xyz";
  const Bytes stream = build(s, material().blocks);
  for (std::size_t cut = 0; cut < 80; ++cut) {
    EXPECT_EQ(decode_error(std::span<const std::byte>(stream.data(), cut), 1), ErrorCode::Corrupt) << "cut at " << cut;
  }
}

// --- WAL-E fixture ----------------------------------------------------------

std::string fixture(const std::string& rel) { return std::string(WALE_TESTDATA_DIR) + "/wal-e-archive/" + rel; }

Bytes read_fixture(const std::string& rel) {
  std::ifstream f(fixture(rel), std::ios::binary);
  EXPECT_TRUE(f.good()) << fixture(rel);
  const std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  Bytes b(s.size());
  if (!s.empty()) std::memcpy(b.data(), s.data(), s.size());
  return b;
}

std::string sha256_hex(std::span<const std::byte> data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr), 1);
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s += hex[md[i] >> 4];
    s += hex[md[i] & 0xF];
  }
  return s;
}

struct FixtureObject {
  const char* path;
  std::size_t plain_size;
  const char* plain_sha256;  // from tests/testdata/wal-e-archive/README.md
  std::uint32_t mode;
};

const FixtureObject kFixtureObjects[] = {
    {"wal_005/000000010000000000000001.lzo", 16777216,
     "539eda26282c6e28c8fd81c0843b5ee32208cba5df72ffa9b60b97a193c2cd14", 0100600},
    {"wal_005/000000010000000000000002.lzo", 16777216,
     "d49b1f5ddcd9e81323b35c593a86964061e9ab024a11e107542372d57eeb17b6", 0100600},
    {"wal_005/000000010000000000000003.lzo", 16777216,
     "05e3ffd07d8054990e8b8ea65dc155b3848fa3b09713d39f978dfe495d42f95b", 0100600},
    {"wal_005/000000010000000000000004.lzo", 16777216,
     "c2db369b006a67d8ef7a5667ae814777cedb43e69472326e58fbe7b2248fbdf7", 0100600},
    {"basebackups_005/base_000000010000000000000030_00000030/tar_partitions/"
     "part_00000000.tar.lzo",
     25446400, "950d0bfd97c8900189d3b0d95ca8276601e5270a6f05059311b01d442d9d8140", 0},
};

void PrintTo(const FixtureObject& o, std::ostream* os) { *os << o.path; }

class LzopWaleFixture : public testing::TestWithParam<FixtureObject> {};

TEST_P(LzopWaleFixture, DecodesToPublishedSha256) {
  const Bytes packed = read_fixture(GetParam().path);
  ASSERT_GT(packed.size(), 38u);
  const Bytes plain = decode(packed, 256 * 1024);
  EXPECT_EQ(plain.size(), GetParam().plain_size);
  EXPECT_EQ(sha256_hex(plain), GetParam().plain_sha256);
}

TEST_P(LzopWaleFixture, OddChunkingGivesSameBytes) {
  const Bytes packed = read_fixture(GetParam().path);
  EXPECT_EQ(sha256_hex(decode(packed, 4099)), GetParam().plain_sha256);
}

TEST_P(LzopWaleFixture, HeaderIsWhatWeWrite) {
  const Bytes packed = read_fixture(GetParam().path);
  ASSERT_GT(packed.size(), 38u);
  EXPECT_EQ(get32(packed, 17), 0x0300000Du) << "flags";
  EXPECT_EQ(packed[15], std::byte{1}) << "method";
  EXPECT_EQ(packed[16], std::byte{5}) << "level";
  EXPECT_EQ(get32(packed, 21), GetParam().mode) << "mode";
}

TEST_P(LzopWaleFixture, RecompressingReproducesWaleObjectExactly) {
  // Same mode and mtime as WAL-E's lzop used: our encoder must write the
  // identical object (header, blocks, checksums, end marker).
  const Bytes packed = read_fixture(GetParam().path);
  const Bytes plain = decode(packed);
  CompressOptions o;
  o.lzop_mode = get32(packed, 21);
  o.lzop_mtime = get32(packed, 25);
  auto c = make_compressor(Codec::Lzop, o);
  const Bytes again = run(*c, plain, 1 << 20);
  EXPECT_EQ(again.size(), packed.size());
  EXPECT_TRUE(again == packed);
}

TEST_P(LzopWaleFixture, CorruptedFixtureIsRejected) {
  Bytes packed = read_fixture(GetParam().path);
  packed[packed.size() / 2] ^= std::byte{0x04};
  EXPECT_EQ(decode_error(packed), ErrorCode::Corrupt);
  packed = read_fixture(GetParam().path);
  EXPECT_EQ(decode_error(std::span<const std::byte>(packed.data(), packed.size() - 4)), ErrorCode::Corrupt);
}

INSTANTIATE_TEST_SUITE_P(Lzop, LzopWaleFixture, testing::ValuesIn(kFixtureObjects),
                         [](const testing::TestParamInfo<FixtureObject>& info) {
                           std::string p = info.param.path;
                           const auto slash = p.rfind('/');
                           std::string n = p.substr(slash + 1, p.find('.', slash) - slash - 1);
                           return n;
                         });

}  // namespace
}  // namespace wale::codec
