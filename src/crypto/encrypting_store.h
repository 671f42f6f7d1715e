// EncryptingStore: an ObjectStore that encrypts and decrypts data objects.
//
// The one place where encryption meets storage: every command gets its store
// from app::make_store, which wraps it in this decorator, so wal-push, push-
// ahead, wal-fetch, prefetch, backup-push (every parallel partition),
// backup-fetch and backup-verify encrypt and decrypt the same way without
// knowing it. The stored bytes are the compressed stream, so encryption
// comes after compression on write and decryption before decompression on
// read, as in WAL-E (`lzop -c | gpg -e`). Only data objects (is_data_key)
// are touched; every other key and every other method passes through.
//  - put(data key): with Encryption::encrypts(), the bytes are encrypted on
//    their way to the inner sink (a failed encryption abandons the object).
//  - get(data key): a DecodingSource (detects and decrypts by content).
// S3 multipart uploads and ranged download resumes happen below, on the
// encrypted bytes, so they work unchanged. stat()/list() sizes are stored
// (encrypted) sizes. Thread-safe as the inner store is.
#pragma once

#include <memory>

#include "crypto/encryption.h"
#include "store/object_store.h"

namespace wale::crypto {

class EncryptingStore final : public store::ObjectStore {
 public:
  EncryptingStore(std::unique_ptr<store::ObjectStore> inner, Encryption encryption);

  std::unique_ptr<io::ByteSink> put(std::string_view key, const store::PutOptions& options = {}) override;
  std::unique_ptr<io::ByteSource> get(std::string_view key) override;
  // Passed down: a decrypted object is authenticated by its cipher (AEAD, gpg's
  // MDC) and a plain one by the caller's checksum.
  std::unique_ptr<io::ByteSource> get_verified_by_reader(std::string_view key) override;
  std::optional<store::ObjectInfo> stat(std::string_view key) override { return inner_->stat(key); }
  std::vector<store::ObjectInfo> stat_many(std::span<const std::string> keys) override {
    return inner_->stat_many(keys);
  }
  void list(std::string_view prefix, const std::function<void(const store::ObjectInfo&)>& each) override {
    inner_->list(prefix, each);
  }
  void remove(std::span<const std::string> keys) override { inner_->remove(keys); }
  void make_durable(std::string_view key) override { inner_->make_durable(key); }
  std::size_t remove_abandoned(std::string_view prefix, std::chrono::seconds at_most_every = {}) override {
    return inner_->remove_abandoned(prefix, at_most_every);
  }
  std::string describe(std::string_view key) const override { return inner_->describe(key); }
  void check_access() override { inner_->check_access(); }

  store::ObjectStore& inner() { return *inner_; }

 private:
  std::unique_ptr<store::ObjectStore> inner_;
  Encryption encryption_;
};

// Wraps `inner`, also when `encryption` encrypts nothing: a plain setup must
// still read the encrypted objects an archive may hold.
std::unique_ptr<store::ObjectStore> with_encryption(std::unique_ptr<store::ObjectStore> inner, Encryption encryption);

}  // namespace wale::crypto
