// SodiumEncryptor / the libsodium object format (WAL-G's, docs/encryption.md).
//
//   header  24 bytes  crypto_secretstream_xchacha20poly1305 header (random)
//   chunks  each the secretstream encryption of 8192 plaintext bytes with
//           tag MESSAGE (8192 + 17 bytes), then one last chunk of 0..8191
//           bytes with tag FINAL (17..8208 bytes); no additional data.
//
// An io::Filter: process() encrypts as input arrives (full chunks go out at
// once), finish() writes the FINAL chunk (an empty input is a header and one
// 17-byte FINAL chunk). Holds a reference to the key. The cipher is
// SecretStream (OpenSSL for full chunks). Not thread-safe.
#pragma once

#include <sodium.h>

#include <memory>
#include <vector>

#include "crypto/secret_stream.h"
#include "crypto/sodium_key.h"
#include "io/filter.h"

namespace wale::crypto {

inline constexpr std::size_t kSodiumChunk = 8192;
inline constexpr std::size_t kSodiumHeader = crypto_secretstream_xchacha20poly1305_HEADERBYTES;  // 24
inline constexpr std::size_t kSodiumOverhead = crypto_secretstream_xchacha20poly1305_ABYTES;     // 17

class SodiumEncryptor final : public io::Filter {
 public:
  explicit SodiumEncryptor(std::shared_ptr<const SodiumKey> key);
  ~SodiumEncryptor() override;
  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override;
  void finish(std::vector<std::byte>& out) override;

 private:
  void push(std::span<const std::byte> plain, unsigned char tag, std::vector<std::byte>& out);

  std::shared_ptr<const SodiumKey> key_;
  SecretStream stream_;
  std::vector<std::byte> pending_;  // < kSodiumChunk plaintext bytes
  bool finished_ = false;
};

}  // namespace wale::crypto
