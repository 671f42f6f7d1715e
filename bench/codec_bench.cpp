// Compress/decompress throughput of every codec on 16 MiB of WAL-like data
// (8 KiB pages of pseudo-random records, then zero-filled pages, as in a
// segment switched before it filled), fed in 256 KiB chunks as the stream
// adapters do. bytes_per_second counts uncompressed bytes in both directions.
//
// Also: lzop decoding of a real WAL-E object from the test fixture, and every
// codec on that object's 16 MiB of real PostgreSQL 15 WAL.
//
// And what the lz4 frame's content checksum (XXH32, which every lz4 object
// wal-e writes carries) costs: liblz4's frame API with the checksum on and off,
// on both inputs, with wal-e's frame settings (256 KiB independent blocks).
#include <benchmark/benchmark.h>
#include <lz4frame.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "codec/codec.h"

namespace {

using wale::codec::Codec;
using Bytes = std::vector<std::byte>;

constexpr std::size_t kSegment = 16 * 1024 * 1024;
constexpr std::size_t kPage = 8192;
constexpr std::size_t kChunk = 256 * 1024;

// WAL-like: each page has a 24-byte header; records are a 24-byte header
// (xid, length, crc: random), a tuple-ish payload (small counters, repeated
// text, some random bytes); 70% of pages are used, the rest are zeros.
const Bytes& wal_like_segment() {
  static const Bytes data = [] {
    Bytes b(kSegment, std::byte{0});
    std::mt19937_64 rng(42);
    const std::size_t used_pages = kSegment / kPage * 7 / 10;
    std::uint64_t lsn = 0x3000028;
    for (std::size_t page = 0; page < used_pages; ++page) {
      std::byte* p = b.data() + page * kPage;
      std::memcpy(p, &lsn, 8);
      std::size_t at = 24;
      while (at + 128 < kPage) {
        const std::size_t len = 40 + rng() % 200;
        if (at + len > kPage) break;
        for (std::size_t i = 0; i < 24; i += 8) {
          const std::uint64_t v = rng();
          std::memcpy(p + at + i, &v, 8);
        }
        for (std::size_t i = 24; i < len; ++i) {
          const std::size_t k = i % 48;
          p[at + i] = k < 8 ? std::byte(rng() & 0xFF)                             // values
                            : std::byte("0123456789abcdef"[(i * 7 + lsn) & 15]);  // md5-ish text
        }
        at += (len + 7) & ~std::size_t{7};
        lsn += len;
      }
    }
    return b;
  }();
  return data;
}

void run(wale::io::Filter& f, std::span<const std::byte> in, Bytes& out) {
  for (std::size_t pos = 0; pos < in.size(); pos += kChunk) {
    f.process(in.subspan(pos, std::min(kChunk, in.size() - pos)), out);
  }
  f.finish(out);
}

Bytes compress_once(Codec codec, std::span<const std::byte> in) {
  Bytes out;
  auto f = wale::codec::make_compressor(codec);
  run(*f, in, out);
  return out;
}

void BM_Compress(benchmark::State& state, Codec codec) {
  const Bytes& in = wal_like_segment();
  Bytes out;
  out.reserve(in.size() + in.size() / 8);
  for (auto _ : state) {
    out.clear();
    auto f = wale::codec::make_compressor(codec);
    run(*f, in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.counters["ratio"] = double(in.size()) / double(out.size());
}

void BM_Decompress(benchmark::State& state, Codec codec) {
  const Bytes& plain = wal_like_segment();
  const Bytes packed = compress_once(codec, plain);
  Bytes out;
  out.reserve(plain.size());
  for (auto _ : state) {
    out.clear();
    auto f = wale::codec::make_decompressor(codec);
    run(*f, packed, out);
    benchmark::DoNotOptimize(out.data());
  }
  if (out != plain) state.SkipWithError("round trip mismatch");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * plain.size()));
}

// A real WAL-E object: 16 MiB segment written by lzop 1.04 (test fixture).
const Bytes& wale_object() {
  static const Bytes data = [] {
    std::ifstream f(std::string(WALE_TESTDATA_DIR) + "/wal-e-archive/wal_005/000000010000000000000001.lzo",
                    std::ios::binary);
    const std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    Bytes b(s.size());
    if (!s.empty()) std::memcpy(b.data(), s.data(), s.size());
    return b;
  }();
  return data;
}

// Its 16 MiB of real PostgreSQL 15 WAL.
const Bytes& real_segment() {
  static const Bytes data = [] {
    Bytes out;
    if (wale_object().empty()) return out;
    auto d = wale::codec::make_decompressor(Codec::Lzop);
    run(*d, wale_object(), out);
    return out;
  }();
  return data;
}

void BM_DecompressWaleSegment(benchmark::State& state) {
  const Bytes& packed = wale_object();
  if (packed.empty()) {
    state.SkipWithError("fixture not found");
    return;
  }
  Bytes out;
  out.reserve(kSegment);
  for (auto _ : state) {
    out.clear();
    auto d = wale::codec::make_decompressor(Codec::Lzop);
    run(*d, packed, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

void BM_CompressRealWal(benchmark::State& state, Codec codec) {
  const Bytes& in = real_segment();
  if (in.empty()) {
    state.SkipWithError("fixture not found");
    return;
  }
  Bytes out;
  out.reserve(in.size());
  for (auto _ : state) {
    out.clear();
    auto f = wale::codec::make_compressor(codec);
    run(*f, in, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.counters["ratio"] = double(in.size()) / double(out.size());
}

void BM_DecompressRealWal(benchmark::State& state, Codec codec) {
  const Bytes& plain = real_segment();
  if (plain.empty()) {
    state.SkipWithError("fixture not found");
    return;
  }
  const Bytes packed = compress_once(codec, plain);
  Bytes out;
  out.reserve(plain.size());
  for (auto _ : state) {
    out.clear();
    auto f = wale::codec::make_decompressor(codec);
    run(*f, packed, out);
    benchmark::DoNotOptimize(out.data());
  }
  if (out != plain) state.SkipWithError("round trip mismatch");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * plain.size()));
}

// kind: 0 = the WAL-like segment, 1 = the fixture's real segment.
void BM_Lz4FrameChecksum(benchmark::State& state, int kind, bool checksum) {
  const Bytes& in = kind == 0 ? wal_like_segment() : real_segment();
  if (in.empty()) {
    state.SkipWithError("fixture not found");
    return;
  }
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max256KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = checksum ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
  LZ4F_cctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createCompressionContext(&ctx, LZ4F_VERSION))) {
    state.SkipWithError("LZ4F context");
    return;
  }
  Bytes out(LZ4F_compressBound(in.size(), &prefs) + LZ4F_HEADER_SIZE_MAX);
  std::size_t size = 0;
  for (auto _ : state) {
    size = LZ4F_compressBegin(ctx, out.data(), out.size(), &prefs);
    for (std::size_t pos = 0; pos < in.size(); pos += kChunk) {
      size += LZ4F_compressUpdate(ctx, out.data() + size, out.size() - size, in.data() + pos,
                                  std::min(kChunk, in.size() - pos), nullptr);
    }
    size += LZ4F_compressEnd(ctx, out.data() + size, out.size() - size, nullptr);
    benchmark::DoNotOptimize(out.data());
  }
  LZ4F_freeCompressionContext(ctx);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.counters["ratio"] = double(in.size()) / double(size);
}

BENCHMARK_CAPTURE(BM_Compress, lzop, Codec::Lzop)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Compress, lz4, Codec::Lz4)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Compress, zstd, Codec::Zstd)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Compress, none, Codec::None)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decompress, lzop, Codec::Lzop)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decompress, lz4, Codec::Lz4)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decompress, zstd, Codec::Zstd)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decompress, none, Codec::None)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DecompressWaleSegment)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CompressRealWal, lzop, Codec::Lzop)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CompressRealWal, lz4, Codec::Lz4)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CompressRealWal, zstd, Codec::Zstd)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecompressRealWal, lzop, Codec::Lzop)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecompressRealWal, lz4, Codec::Lz4)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_DecompressRealWal, zstd, Codec::Zstd)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Lz4FrameChecksum, wal_like_with_checksum, 0, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Lz4FrameChecksum, wal_like_without, 0, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Lz4FrameChecksum, real_wal_with_checksum, 1, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Lz4FrameChecksum, real_wal_without, 1, false)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
