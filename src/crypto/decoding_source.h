// DecodingSource: a stored data object, decrypted if it is encrypted.
//
// On the first read it peeks at the object's first bytes and picks the
// decoder by content, not by settings: an OpenPGP message goes through
// `gpg -d` (GpgProcess), anything else is passed through as it is stored
// (the codec's decompressor above checks it). So archives that mix plain and
// encrypted objects -- a user who turned encryption on later -- restore.
// Errors name the object (Error{Corrupt} for damaged data, Error{Config} for
// a missing key or program). Owns the raw source. Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "crypto/encryption.h"
#include "io/byte_source.h"

namespace wale::crypto {

class DecodingSource final : public io::ByteSource {
 public:
  // `key` is the object's key (its extension names the codec); `object` its
  // human-readable name (ObjectStore::describe) for messages.
  DecodingSource(std::unique_ptr<io::ByteSource> raw, std::string key, std::string object, Encryption encryption);
  std::size_t read(std::span<std::byte> out) override;

 private:
  void open();

  std::unique_ptr<io::ByteSource> raw_;
  std::string key_;
  std::string object_;
  Encryption encryption_;
  std::unique_ptr<io::ByteSource> decoded_;
};

}  // namespace wale::crypto
