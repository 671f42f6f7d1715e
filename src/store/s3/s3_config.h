// S3Config: everything the S3 driver needs to reach one bucket prefix, plus
// the pure parsing functions the CLI layer uses to build it from WAL-E's
// settings (WALE_S3_PREFIX, WALE_S3_ENDPOINT, AWS_REGION, ...).
//
// All functions here are pure (no I/O, no environment access) and thread-safe.
// They throw wale::Error{Config} with a one-line message on bad input; the
// message never contains a secret.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wale::store::s3 {

class CredentialsCache;  // credentials_cache.h

enum class Addressing {
  Path,         // https://host/bucket/key
  VirtualHost,  // https://bucket.host/key
};

struct S3Endpoint {
  std::string scheme = "https";                     // "http" | "https"
  std::string host;                                 // DNS name or IP literal (IPv6 without brackets)
  std::uint16_t port = 0;                           // 0 = the scheme's default
  Addressing addressing = Addressing::VirtualHost;  // an IP-literal host always uses Path
};

struct S3Config {
  std::string bucket;
  std::string prefix;  // key prefix inside the bucket: "" or ending with '/'
  std::string region;  // signing region; "us-east-1" when only an endpoint is given
  S3Endpoint endpoint;

  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // sent as x-amz-security-token when non-empty
  // When set, requests are signed with what this hands out (the credential
  // chain: profiles, web identity, ECS, instance profile; refreshed before
  // expiry) and the three fields above are ignored. Shared by every client of the store.
  std::shared_ptr<CredentialsCache> credentials;

  std::string storage_class;  // x-amz-storage-class; empty = not sent (server default)
  std::string sse;            // "" | "AES256" | "aws:kms"
  std::string kms_key_id;     // with sse == "aws:kms"; empty = the bucket's default key

  std::string ca_bundle;  // PEM file of trusted CAs; empty = system store
  bool verify_tls = true;

  int retries = 100;  // max attempts per request (WALE_RETRIES); >= 1
  std::chrono::milliseconds retry_base_delay{200};
  std::chrono::milliseconds retry_max_delay{10'000};
  std::chrono::milliseconds connect_timeout{10'000};
  // A transfer that moves no byte for this long is dropped (and retried/resumed).
  std::chrono::milliseconds low_speed_timeout{60'000};

  // Check downloads against MD5-style ETags (see S3DownloadSource). Turn off only for a
  // server whose ETags are not MD5-based even without KMS (some encrypting gateways).
  bool verify_etag = true;

  std::uint64_t part_size = 8ull << 20;  // first multipart part size; raised to >= 5 MiB
  int parts_in_flight = 4;               // concurrent part uploads per client (all objects); >= 1
};

// "s3://bucket/a/b" -> bucket "bucket", prefix "a/b/". "s3://bucket" -> prefix "".
struct S3Location {
  std::string bucket;
  std::string prefix;
};
S3Location parse_s3_prefix(std::string_view url);

// WAL-E's WALE_S3_ENDPOINT: "<http|https>+<virtualhost|path|subdomain>://host[:port]".
// "subdomain" means virtual-host addressing. Userinfo, a path other than "/",
// a query or a fragment are errors.
S3Endpoint parse_s3_endpoint(std::string_view uri);

// The endpoint for an AWS region: https://s3.<region>.amazonaws.com, virtual-host style
// (path style when the bucket name is not DNS-compatible, e.g. contains '.' or '_').
S3Endpoint aws_endpoint(std::string_view region, std::string_view bucket);

// Resolves region and endpoint as WAL-E does: an endpoint URI wins (region then
// defaults to "us-east-1" when empty); else AWS_REGION picks the AWS endpoint;
// neither -> Error{Config} "must define one of AWS_REGION or WALE_S3_ENDPOINT".
struct ResolvedEndpoint {
  S3Endpoint endpoint;
  std::string region;
};
ResolvedEndpoint resolve_endpoint(std::string_view region, std::string_view endpoint_uri, std::string_view bucket);

// Checks a config for consistency (bucket name, prefix form, credentials present
// (static keys or a CredentialsCache),
// sse values, retries >= 1, ...). Throws Error{Config}.
void validate(const S3Config& config);

// Multipart part sizing. Part n (1-based) is base * 2^((n-1)/950), capped at 5 GiB,
// where base = max(part_size, 5 MiB): with a 5 MiB base, 10,000 parts hold more
// than 5 TiB. Pure; noexcept.
inline constexpr std::uint64_t kMinPartSize = 5ull << 20;
inline constexpr std::uint64_t kMaxPartSize = 5ull << 30;
inline constexpr int kMaxParts = 10'000;
std::uint64_t part_size_for(std::uint64_t base_part_size, int part_number) noexcept;

}  // namespace wale::store::s3
