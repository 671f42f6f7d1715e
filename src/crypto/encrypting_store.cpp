#include "crypto/encrypting_store.h"

#include "crypto/decoding_source.h"
#include "crypto/gpg_process.h"
#include "crypto/sodium_encryptor.h"
#include "io/filter_streams.h"

namespace wale::crypto {

EncryptingStore::EncryptingStore(std::unique_ptr<store::ObjectStore> inner, Encryption encryption)
    : inner_(std::move(inner)), encryption_(std::move(encryption)) {}

std::unique_ptr<io::ByteSink> EncryptingStore::put(std::string_view key, const store::PutOptions& options) {
  if (!encryption_.encrypts() || !is_data_key(key)) return inner_->put(key, options);
  std::string object = inner_->describe(key);
  std::unique_ptr<io::Filter> filter;
  if (encryption_.sodium_key) {
    filter = std::make_unique<SodiumEncryptor>(encryption_.sodium_key);
  } else {
    filter = std::make_unique<GpgProcess>(GpgProcess::Mode::Encrypt, encryption_.gpg_recipient, object,
                                          encryption_.gpg_program, encryption_.gpg_hidden_variables);
  }
  return std::make_unique<io::FilterSink>(std::move(filter), inner_->put(key, options));
}

std::unique_ptr<io::ByteSource> EncryptingStore::get(std::string_view key) {
  auto raw = inner_->get(key);
  if (!raw || !is_data_key(key)) return raw;
  return std::make_unique<DecodingSource>(std::move(raw), std::string(key), inner_->describe(key), encryption_);
}

std::unique_ptr<io::ByteSource> EncryptingStore::get_verified_by_reader(std::string_view key) {
  auto raw = inner_->get_verified_by_reader(key);
  if (!raw || !is_data_key(key)) return raw;
  return std::make_unique<DecodingSource>(std::move(raw), std::string(key), inner_->describe(key), encryption_);
}

std::unique_ptr<store::ObjectStore> with_encryption(std::unique_ptr<store::ObjectStore> inner, Encryption encryption) {
  return std::make_unique<EncryptingStore>(std::move(inner), std::move(encryption));
}

}  // namespace wale::crypto
