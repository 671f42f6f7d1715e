// libwale-s3.so (app/plugin.h): the S3 ObjectStore (store/s3, libcurl,
// expat, libssl). wal-e's store factory (app/store_factory.h) loads it only
// for an s3:// prefix, so that a local-directory archive's wal-push and
// wal-fetch start without libcurl and the libraries it pulls in.
#include "app/plugin.h"
#include "store/s3/aws_credentials.h"
#include "store/s3/credential_chain.h"
#include "store/s3/credentials_cache.h"
#include "store/s3/s3_config.h"
#include "store/s3/s3_store_factory.h"

namespace wale::app {
namespace {

std::unique_ptr<store::ObjectStore> make_store(const config::Settings& settings) {
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

}  // namespace
}  // namespace wale::app

extern "C" const wale::app::S3Plugin wale_s3_plugin{wale::app::kPluginAbi, wale::app::make_store};
