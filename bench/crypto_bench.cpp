// libsodium secret-stream throughput: SodiumEncryptor and SodiumDecryptor on
// 16 MiB of random bytes (what they see: compressed data) fed in 256 KiB
// chunks as the stream adapters do, next to lz4 compression of WAL-like data
// for scale. bytes_per_second counts plaintext bytes.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "codec/codec.h"
#include "crypto/sodium_decryptor.h"
#include "crypto/sodium_encryptor.h"
#include "crypto/sodium_key.h"

namespace {

using Bytes = std::vector<std::byte>;
constexpr std::size_t kSize = 16 * 1024 * 1024;
constexpr std::size_t kChunk = 256 * 1024;

const Bytes& random_data() {
  static const Bytes data = [] {
    Bytes b(kSize);
    std::mt19937_64 rng(7);
    for (auto& x : b) x = std::byte(rng() & 0xFF);
    return b;
  }();
  return data;
}

std::shared_ptr<const wale::crypto::SodiumKey> key() {
  static auto k = wale::crypto::SodiumKey::parse(std::string(64, 'a'), "bench");
  return k;
}

Bytes run(wale::io::Filter& f, const Bytes& in) {
  Bytes out;
  out.reserve(in.size() + in.size() / 256 + 64);
  for (std::size_t at = 0; at < in.size(); at += kChunk) {
    f.process(std::span<const std::byte>(in).subspan(at, std::min(kChunk, in.size() - at)), out);
  }
  f.finish(out);
  return out;
}

void BM_SodiumEncrypt(benchmark::State& state) {
  for (auto _ : state) {
    wale::crypto::SodiumEncryptor e(key());
    benchmark::DoNotOptimize(run(e, random_data()));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kSize));
}
BENCHMARK(BM_SodiumEncrypt)->Unit(benchmark::kMillisecond);

void BM_SodiumDecrypt(benchmark::State& state) {
  wale::crypto::SodiumEncryptor e(key());
  Bytes cipher = run(e, random_data());
  for (auto _ : state) {
    wale::crypto::SodiumDecryptor d(key(), "bench");
    benchmark::DoNotOptimize(run(d, cipher));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kSize));
}
BENCHMARK(BM_SodiumDecrypt)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
