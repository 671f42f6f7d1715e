// libsodium secret-stream throughput: SodiumEncryptor and SodiumDecryptor on
// 16 MiB of random bytes (what they see: compressed data) fed in 256 KiB
// chunks as the stream adapters do, next to lz4 compression of WAL-like data
// for scale. bytes_per_second counts plaintext bytes.
#include <benchmark/benchmark.h>

#include <array>
#include <random>
#include <vector>

#include "codec/codec.h"
#include "crypto/secret_stream.h"
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

// The cipher alone: one stream, chunks of range(0) bytes into a buffer
// allocated once; range(1) = 1: full chunks through OpenSSL (SecretStream's
// fast path), 0: every chunk through libsodium.
void BM_SecretStreamPush(benchmark::State& state) {
  const auto chunk = static_cast<std::size_t>(state.range(0));
  const Bytes& plain = random_data();
  Bytes out(chunk + wale::crypto::SecretStream::kOverhead);
  std::array<std::byte, wale::crypto::SecretStream::kHeaderBytes> header{};
  for (auto _ : state) {
    wale::crypto::SecretStream s(0);
    if (state.range(1) == 0) s.disable_acceleration();
    s.init_push(header, *key());
    for (std::size_t at = 0; at + chunk <= plain.size(); at += chunk) {
      s.push(std::span<const std::byte>(plain).subspan(at, chunk), 0, out.data());
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kSize));
}
BENCHMARK(BM_SecretStreamPush)
    ->Args({8192, 1})
    ->Args({8192, 0})
    ->Args({65536, 1})
    ->Args({65536, 0})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
