#include "app/store_factory.h"

#include "core/error.h"
#include "crypto/encrypting_store.h"
#include "store/local/local_store.h"
#include "store/s3/aws_credentials.h"
#include "store/s3/credential_chain.h"
#include "store/s3/credentials_cache.h"
#include "store/s3/s3_config.h"
#include "store/s3/s3_store_factory.h"

namespace wale::app {

namespace {

std::unique_ptr<store::ObjectStore> make_plain_store(const config::Settings& settings) {
  switch (settings.backend) {
    case config::Backend::File: return std::make_unique<store::LocalStore>(settings.file_root);
    case config::Backend::S3: {
      auto location = store::s3::parse_s3_prefix(settings.prefix_url);
      store::s3::S3Config c;
      c.bucket = location.bucket;
      c.prefix = location.prefix;
      auto resolved = store::s3::resolve_endpoint(settings.s3.region, settings.s3.endpoint, location.bucket);
      c.endpoint = resolved.endpoint;
      c.region = resolved.region;
      c.credentials = std::make_shared<store::s3::CredentialsCache>(store::s3::make_default_chain(
          {settings.s3.access_key_id, settings.s3.secret_access_key, settings.s3.session_token,
           settings.s3.instance_profile, store::s3::env_from_map(settings.s3.credential_env)}));
      c.storage_class = settings.s3.storage_class;
      c.sse = settings.s3.sse == "none" ? "" : settings.s3.sse;
      c.kms_key_id = settings.s3.sse_kms_key_id;
      c.ca_bundle = settings.s3.ca_bundle;
      c.retries = settings.retries;
      return store::s3::make_s3_store(std::move(c));
    }
  }
  throw Error(ErrorCode::Internal, "unknown storage backend");
}

}  // namespace

std::unique_ptr<store::ObjectStore> make_store(const config::Settings& settings) {
  crypto::Encryption encryption;
  encryption.gpg_recipient = settings.gpg_key_id;
  if (!settings.libsodium_key.empty()) {
    encryption.sodium_key = crypto::SodiumKey::parse(settings.libsodium_key, "WALE_LIBSODIUM_KEY");
  } else if (!settings.libsodium_key_path.empty()) {
    encryption.sodium_key = crypto::SodiumKey::from_file(settings.libsodium_key_path);
  }
  return crypto::with_encryption(make_plain_store(settings), std::move(encryption));
}

}  // namespace wale::app
