#include "app/store_factory.h"

#include "app/plugin.h"
#include "config/options.h"
#include "core/error.h"
#include "crypto/encrypting_store.h"
#include "store/local/local_store.h"

namespace wale::app {

namespace {

std::unique_ptr<store::ObjectStore> make_plain_store(const config::Settings& settings) {
  switch (settings.backend) {
    case config::Backend::File: return std::make_unique<store::LocalStore>(settings.file_root);
    // libwale-s3.so (app/plugin.h): libcurl is loaded only for an s3:// prefix.
    case config::Backend::S3: return plugin<S3Plugin>("s3", "wale_s3_plugin").make_store(settings);
  }
  throw Error(ErrorCode::Internal, "unknown storage backend");
}

}  // namespace

std::unique_ptr<store::ObjectStore> make_store(const config::Settings& settings) {
  crypto::Encryption encryption;
  encryption.gpg_recipient = settings.gpg_key_id;
  encryption.gpg_hidden_variables = config::secret_variables();
  if (!settings.libsodium_key.empty()) {
    encryption.sodium_key = crypto::SodiumKey::parse(settings.libsodium_key, "WALE_LIBSODIUM_KEY");
  } else if (!settings.libsodium_key_path.empty()) {
    encryption.sodium_key = crypto::SodiumKey::from_file(settings.libsodium_key_path);
  }
  encryption.accept_plain = settings.libsodium_accept_plain;
  encryption.accept_gpg = settings.libsodium_accept_gpg;
  return crypto::with_encryption(make_plain_store(settings), std::move(encryption));
}

}  // namespace wale::app
