// DecodingSource: a stored data object, decrypted if it is encrypted.
//
// On the first read it peeks at the object's first bytes (a libsodium header
// and first chunk: 8233 bytes) and picks the decoder by content:
//  1. with a libsodium key: if the first chunk authenticates under it, a
//     SodiumDecryptor;
//  2. an OpenPGP message: `gpg -d` (GpgProcess) -- with a libsodium key only
//     if Encryption::accept_gpg (WALE_LIBSODIUM_ACCEPT_GPG), else
//     Error{Corrupt}: encrypting needs only a public key, so it is no proof
//     of who wrote the object;
//  3. a plain object of its codec (key extension; crypto::looks_plain: the
//     codec's magic, or for "none" a WAL page header, tar or text): passed
//     through as stored (the decompressor above checks it) -- with a
//     libsodium key only if Encryption::accept_plain
//     (WALE_LIBSODIUM_ACCEPT_PLAIN), else Error{Corrupt} "not encrypted": a
//     plain object is unauthenticated, so accepting it would let anyone who
//     can write to the bucket substitute WAL of their own making;
//  4. otherwise Error{Corrupt}: with a libsodium key, "could not decrypt"
//     (wrong key or damage); without one, "not a <codec> stream" with a hint
//     to set the key -- never ciphertext handed to PostgreSQL as WAL.
// So archives that mix plain and encrypted objects -- a user who turned
// encryption on later -- restore: always without a libsodium key (GPG or no
// encryption, as WAL-E did), with one only when the operator allows it.
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
