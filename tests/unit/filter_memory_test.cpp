// Bounded memory when decoding highly compressible streams: a small input must
// not expand into one unbounded buffer (backup-fetch held about 100 MiB per
// worker for a partition of similar small files before process_some()).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "core/error.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "layout/backup_manifest.h"

namespace wale {
namespace {

using Bytes = std::vector<std::byte>;
constexpr std::size_t kMiB = 1024 * 1024;

// 64 MiB of 8 KiB pages that differ only in a counter: compresses >100:1.
Bytes pages(std::size_t total) {
  Bytes b(total, std::byte{0});
  for (std::size_t off = 0, n = 0; off + 8192 <= total; off += 8192, ++n) {
    std::string tag = "page-" + std::to_string(n);
    std::memcpy(b.data() + off, tag.data(), tag.size());
  }
  return b;
}

Bytes compress(codec::Codec c, const Bytes& in) {
  auto f = codec::make_compressor(c);
  Bytes out;
  for (std::size_t pos = 0; pos < in.size(); pos += kMiB) {
    f->process(std::span<const std::byte>(in).subspan(pos, std::min(kMiB, in.size() - pos)), out);
  }
  f->finish(out);
  return out;
}

std::string name_of(const testing::TestParamInfo<codec::Codec>& info) {
  return std::string(codec::codec_name(info.param));
}

class BoundedDecode : public testing::TestWithParam<codec::Codec> {};

// process_some() stops near its limit and resumes where it stopped.
TEST_P(BoundedDecode, ProcessSomeHonoursTheLimit) {
  const Bytes input = pages(64 * kMiB);
  const Bytes packed = compress(GetParam(), input);
  ASSERT_LT(packed.size(), 4 * kMiB) << "the test needs a high ratio";
  auto f = codec::make_decompressor(GetParam());
  Bytes all, out;
  std::size_t pos = 0, calls = 0, largest = 0;
  while (pos < packed.size()) {
    out.clear();
    std::size_t took = f->process_some(std::span<const std::byte>(packed).subspan(pos), out, 256 * 1024);
    ASSERT_TRUE(took > 0 || !out.empty()) << "no progress";
    pos += took;
    largest = std::max(largest, out.size());
    all.insert(all.end(), out.begin(), out.end());
    ++calls;
  }
  out.clear();
  f->finish(out);
  all.insert(all.end(), out.begin(), out.end());
  EXPECT_LE(largest, 9 * kMiB) << "one call expanded into " << largest << " bytes";
  EXPECT_GT(calls, 4u);
  ASSERT_EQ(all.size(), input.size());
  EXPECT_TRUE(all == input);
}

INSTANTIATE_TEST_SUITE_P(Codec, BoundedDecode,
                         testing::Values(codec::Codec::Lzop, codec::Codec::Lz4, codec::Codec::Zstd), name_of);

// A filter that turns each input byte into 1 MiB: FilterSource must use the
// bounded entry point, never the unbounded process().
class Expander final : public io::Filter {
 public:
  explicit Expander(std::size_t* largest) : largest_(largest) {}
  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override { process_some(in, out, SIZE_MAX); }
  std::size_t process_some(std::span<const std::byte> in, std::vector<std::byte>& out, std::size_t limit) override {
    std::size_t start = out.size(), used = 0;
    while (used < in.size() && out.size() - start < limit) {
      out.insert(out.end(), kMiB, in[used]);
      ++used;
    }
    *largest_ = std::max(*largest_, out.size() - start);
    return used;
  }

 private:
  std::size_t* largest_;
};

TEST(FilterSourceMemory, ReadsThroughTheBoundedEntryPoint) {
  std::size_t largest = 0;
  Bytes in(200);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = std::byte(i);
  io::FilterSource src(std::make_unique<Expander>(&largest), std::make_unique<io::MemorySource>(in), 64 * 1024);
  Bytes buf(300 * 1024);
  std::size_t total = 0;
  while (std::size_t n = src.read(buf)) {
    ASSERT_EQ(buf[0], std::byte(total / kMiB)) << "out of order at " << total;
    total += n;
  }
  EXPECT_EQ(total, in.size() * kMiB);
  EXPECT_LE(largest, 2 * kMiB) << "FilterSource let one call expand into " << largest << " bytes";
}

}  // namespace
}  // namespace wale

namespace wale::layout {
namespace {

// parse_manifest converts "Files" entries while parsing (no whole JSON tree):
// every entry must still come back, in order, with its checksum.
TEST(ManifestStreaming, EveryFileComesBack) {
  ManifestBuilder b;
  for (std::uint32_t i = 0; i < 20000; ++i)
    b.add({"base/5/" + std::to_string(900000 + i), i, 1700000000, i * 2654435761u});
  std::string text = b.render({1, "0/2000028", "0/2000100"});
  Manifest m = parse_manifest(text);
  ASSERT_EQ(m.files.size(), 20000u);
  for (std::uint32_t i = 0; i < 20000; ++i) {
    ASSERT_EQ(m.files[i].path, "base/5/" + std::to_string(900000 + i));
    ASSERT_EQ(m.files[i].size, i);
    ASSERT_EQ(m.files[i].crc32c, i * 2654435761u);
  }
  ASSERT_EQ(m.wal_ranges.size(), 1u);
  EXPECT_EQ(m.wal_ranges[0].end_lsn, "0/2000100");
  // A damaged manifest reports its checksum first, even when an entry is bad too.
  std::string bad = text;
  bad.replace(bad.find("\"Size\": 7,"), 10, "\"Size\": -7,");
  try {
    parse_manifest(bad);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::Corrupt);
    EXPECT_NE(e.message().find("checksum mismatch"), std::string::npos) << e.message();
  }
}

}  // namespace
}  // namespace wale::layout
