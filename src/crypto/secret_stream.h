// SecretStream: libsodium's crypto_secretstream_xchacha20poly1305, chunk by
// chunk, with the bulk of the work done by OpenSSL's ChaCha20-Poly1305.
//
// Why: in 8 KiB chunks libsodium 1.0.18 runs at ~1.4 GB/s per core here
// (AVX2 ChaCha20, SSE2 Poly1305), OpenSSL 3 at ~2.4 GB/s (AVX-512 ChaCha20
// and Poly1305). Encryption of incompressible data cost a backup +20-35% CPU
// (docs/performance.md, "Encryption overhead").
//
// Same bytes, same state: a secret-stream chunk is RFC 8439's AEAD under the
// stream's current key and 12-byte nonce (state.k, state.nonce), with no
// additional data, of the plaintext `tag, 63 zero bytes, message`; the chunk
// stores the first byte of that 64-byte block's ciphertext, the message's
// ciphertext and the 16-byte MAC. That holds whenever the message length is a
// multiple of 16 (libsodium pads the ciphertext for Poly1305 by `mlen & 15`
// bytes where RFC 8439 pads by `-mlen & 15`): every full 8 KiB chunk. Those go
// through OpenSSL; every other chunk (the short final one) through libsodium's
// own push/pull on the same state, and the state update after each chunk
// (nonce ^= MAC, counter + 1, rekey on TAG_REKEY or counter wrap) is
// libsodium's. When OpenSSL has no ChaCha20-Poly1305 (a FIPS-only provider
// set-up) or libcrypto cannot be opened, every chunk goes through libsodium.
// libcrypto is not linked: the first stream that switches opens it with
// dlopen, so that processes that never get there (wal-push, wal-fetch of one
// segment) do not load it at start-up (tests/startup/libraries.sh).
//
// Setting OpenSSL up costs a process ~1 ms of CPU once (its configuration
// file, providers, the cipher fetch): about what the faster cipher saves on
// 3 MB. So a stream starts on libsodium and switches after `warmup` bytes of
// messages (4 MiB by default: a compressed WAL segment rarely gets there), or
// at once if an earlier stream of this process already set OpenSSL up.
// Unit tests (crypto_secret_stream_test.cpp) compare both paths byte for byte
// with libsodium's own push/pull.
//
// Errors: push() throws Error{Internal} if OpenSSL fails; pull() returns false
// for a chunk that fails authentication and throws Error{Internal} if OpenSSL
// fails otherwise.
//
// Holds the stream's derived key (not the master key), wiped on destruction.
// Not thread-safe; one per object being written or read.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <memory>
#include <span>

#include "crypto/sodium_key.h"

namespace wale::crypto {

class SecretStream {
 public:
  static constexpr std::size_t kHeaderBytes = crypto_secretstream_xchacha20poly1305_HEADERBYTES;  // 24
  static constexpr std::size_t kOverhead = crypto_secretstream_xchacha20poly1305_ABYTES;          // 17

  static constexpr std::uint64_t kWarmup = 4 << 20;

  explicit SecretStream(std::uint64_t warmup = kWarmup);
  ~SecretStream();
  SecretStream(const SecretStream&) = delete;
  SecretStream& operator=(const SecretStream&) = delete;

  // Starts a stream to write: a random header into `header`.
  void init_push(std::span<std::byte, kHeaderBytes> header, const SodiumKey& key);
  // Starts a stream to read from its header (never fails: any 24 bytes are a header).
  void init_pull(std::span<const std::byte, kHeaderBytes> header, const SodiumKey& key);

  // Encrypts one chunk into `out` (exactly plain.size() + kOverhead bytes).
  void push(std::span<const std::byte> plain, unsigned char tag, std::byte* out);
  // Decrypts one chunk into `out` (chunk.size() - kOverhead bytes) and sets
  // `tag`. False, with `out` zeroed and the state unchanged, when the chunk
  // fails authentication or is shorter than kOverhead.
  bool pull(std::span<const std::byte> chunk, std::byte* out, unsigned char& tag);

  // True once full chunks go through OpenSSL (tests, benchmarks).
  bool accelerated() const { return ctx_ != nullptr; }
  // True once a stream of this process has set OpenSSL's cipher up.
  static bool openssl_ready();
  // Every chunk through libsodium from now on (tests, benchmarks).
  void disable_acceleration();

 private:
  struct Ctx;
  void advance(const unsigned char* mac, unsigned char tag);
  bool fast(std::size_t message_bytes);

  crypto_secretstream_xchacha20poly1305_state state_;
  std::unique_ptr<Ctx> ctx_;
  std::uint64_t warmup_;     // message bytes left before switching to OpenSSL
  bool no_openssl_ = false;  // disabled, or OpenSSL has no ChaCha20-Poly1305
};

}  // namespace wale::crypto
