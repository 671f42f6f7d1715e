// TarWriter throughput (Google Benchmark): the tar framing stage of backup-push
// in isolation, writing into a sink that only counts bytes.
//
// - BM_TarLargeFile/<MiB>: one member of that size per iteration (a relation
//   segment); bytes_per_second counts file data.
// - BM_TarSmallFiles/<KiB>: 1000 members of that size per iteration (catalog
//   files, visibility maps); bytes_per_second counts file data, items_per_second
//   members.
// - BM_TarDataDirLike: the file size mix of a small PostgreSQL data directory
//   (directories, many 8-24 KiB files, a few large ones).
// The content source copies from a preset buffer (as a read() from the page
// cache copies), so the numbers include one memcpy per byte.
#include <benchmark/benchmark.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "io/byte_sink.h"
#include "io/byte_source.h"
#include "tar/tar_writer.h"

namespace {

using Bytes = std::vector<std::byte>;

class CountingSink final : public wale::io::ByteSink {
 public:
  void write(std::span<const std::byte> data) override {
    bytes_ += data.size();
    if (!data.empty()) last_ ^= data.back();  // touch the data so nothing is optimised away
  }
  using ByteSink::write;
  void finish() override {}
  std::uint64_t bytes() const { return bytes_; }
  std::byte last() const { return last_; }

 private:
  std::uint64_t bytes_ = 0;
  std::byte last_{0};
};

// Yields `size` bytes copied cyclically from a 1 MiB pseudo-random pattern.
class PatternSource final : public wale::io::ByteSource {
 public:
  explicit PatternSource(std::uint64_t size) : left_(size) {}
  std::size_t read(std::span<std::byte> out) override {
    const Bytes& p = pattern();
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left_, out.size()));
    std::size_t done = 0;
    while (done < n) {
      std::size_t k = std::min(n - done, p.size() - pos_);
      std::memcpy(out.data() + done, p.data() + pos_, k);
      done += k;
      pos_ = (pos_ + k) % p.size();
    }
    left_ -= n;
    return n;
  }

 private:
  static const Bytes& pattern() {
    static const Bytes data = [] {
      Bytes b(1 << 20);
      std::mt19937_64 rng(7);
      for (auto& x : b) x = std::byte(rng() & 0xFF);
      return b;
    }();
    return data;
  }
  std::uint64_t left_;
  std::size_t pos_ = 0;
};

const wale::tar::TarOwner kOwner{26, 26, "postgres", "postgres"};

void BM_TarLargeFile(benchmark::State& state) {
  const std::uint64_t size = static_cast<std::uint64_t>(state.range(0)) << 20;
  std::uint64_t out = 0;
  for (auto _ : state) {
    CountingSink sink;
    wale::tar::TarWriter w(sink, kOwner);
    PatternSource src(size);
    w.add_file("base/5/16384", S_IFREG | 0600, 1700000000, size, src);
    w.finish();
    out += sink.bytes();
    benchmark::DoNotOptimize(sink.last());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  state.counters["tar_overhead"] = double(out) / double(state.iterations() * size) - 1.0;
}
BENCHMARK(BM_TarLargeFile)->Arg(16)->Arg(256)->Unit(benchmark::kMillisecond);

void BM_TarSmallFiles(benchmark::State& state) {
  const std::uint64_t size = static_cast<std::uint64_t>(state.range(0)) << 10;
  constexpr int kFiles = 1000;
  std::vector<std::string> names;
  for (int i = 0; i < kFiles; ++i) names.push_back("base/5/" + std::to_string(16384 + i));
  for (auto _ : state) {
    CountingSink sink;
    wale::tar::TarWriter w(sink, kOwner);
    for (const auto& n : names) {
      PatternSource src(size);
      w.add_file(n, S_IFREG | 0600, 1700000000, size, src);
    }
    w.finish();
    benchmark::DoNotOptimize(sink.last());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFiles * size));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kFiles));
}
BENCHMARK(BM_TarSmallFiles)->Arg(0)->Arg(8)->Arg(24)->Arg(256)->Unit(benchmark::kMillisecond);

// A fresh PostgreSQL 15 cluster after a small pgbench load: ~1000 small files
// (mostly 8-24 KiB), a few directories, and four 16 MiB relation files.
void BM_TarDataDirLike(benchmark::State& state) {
  struct Member {
    std::string name;
    std::uint64_t size;
    bool dir;
  };
  std::vector<Member> members;
  std::mt19937 rng(11);
  for (const char* d : {"base", "base/1", "base/4", "base/5", "global", "pg_xact", "pg_multixact"}) {
    members.push_back({d, 0, true});
  }
  std::uint64_t data = 0;
  for (int i = 0; i < 1000; ++i) {
    std::uint64_t s = std::uint64_t{8192} * (1 + rng() % 3);
    if (i % 50 == 0) s = 0;
    members.push_back({"base/" + std::to_string(1 + i % 3 * 2) + "/" + std::to_string(1000 + i), s, false});
    data += s;
  }
  for (int i = 0; i < 4; ++i) {
    members.push_back({"base/5/" + std::to_string(16384 + i), std::uint64_t{16} << 20, false});
    data += std::uint64_t{16} << 20;
  }
  for (auto _ : state) {
    CountingSink sink;
    wale::tar::TarWriter w(sink, kOwner);
    for (const auto& m : members) {
      if (m.dir) {
        w.add_directory(m.name + "/", S_IFDIR | 0700, 1700000000);
      } else {
        PatternSource src(m.size);
        w.add_file(m.name, S_IFREG | 0600, 1700000000, m.size, src);
      }
    }
    w.finish();
    benchmark::DoNotOptimize(sink.last());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * members.size()));
}
BENCHMARK(BM_TarDataDirLike)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
