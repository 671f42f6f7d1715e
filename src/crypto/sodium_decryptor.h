// SodiumDecryptor: reads the libsodium object format (sodium_encryptor.h).
//
// An io::Filter. Every chunk is authenticated before its plaintext is
// released; the stream must end with exactly one FINAL chunk. It throws
// Error{Corrupt} naming the object for: a chunk that fails authentication
// (a flipped byte, chunks reordered or spliced from another object, a wrong
// key), a stream cut short (no FINAL chunk: caught in finish()), bytes after
// the FINAL chunk, and a header or chunk too short to be one. Discard it
// after it throws. Not thread-safe.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "crypto/secret_stream.h"
#include "crypto/sodium_key.h"
#include "io/filter.h"

namespace wale::crypto {

class SodiumDecryptor final : public io::Filter {
 public:
  // `object` names the stored object in messages.
  SodiumDecryptor(std::shared_ptr<const SodiumKey> key, std::string object);
  ~SodiumDecryptor() override;
  void process(std::span<const std::byte> in, std::vector<std::byte>& out) override;
  void finish(std::vector<std::byte>& out) override;

  // True if `head` -- an object's first bytes, `complete` when that is the
  // whole object -- starts with a header and a first chunk that `key`
  // authenticates: the object is in this format and the key is right.
  static bool authenticates(const SodiumKey& key, std::span<const std::byte> head, bool complete);

 private:
  void pull(std::span<const std::byte> chunk, bool last, std::vector<std::byte>& out);
  [[noreturn]] void corrupt(const std::string& what) const;

  std::shared_ptr<const SodiumKey> key_;
  std::string object_;
  SecretStream stream_;
  std::vector<std::byte> pending_;  // ciphertext not yet pulled
  std::uint64_t offset_ = 0;        // object offset of pending_[0]
  std::uint64_t chunks_ = 0;
  bool header_done_ = false;
  bool final_seen_ = false;
};

}  // namespace wale::crypto
