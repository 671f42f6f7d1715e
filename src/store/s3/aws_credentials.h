// AWS credentials: the value type, the CredentialsProvider interface every
// source implements, and the static (environment / -k) source. The sources:
// shared_credentials_files.h, web_identity_provider.h, container_provider.h,
// imds_provider.h; the order they are tried in: credential_chain.h; handing
// them out and refreshing them: credentials_cache.h.
//
// Nothing here reads the process environment: callers pass an EnvLookup over
// the variables app/ captured (AWS_*, HOME). Secrets (secret keys, session
// tokens, web identity tokens, container authorization tokens) never appear
// in an Error, a log record or a URL; error messages name the source and the
// endpoint only.
//
// Errors of fetch(): Error{Config} for a source that is misconfigured or
// refuses us; Error{Transient} for network failures and 5xx replies (the S3
// retry loop retries those); Error{Cancelled} on a stop request.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wale::store::s3 {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" for long-term keys
  // Absolute expiry of temporary credentials; nullopt = they do not expire.
  std::optional<std::chrono::system_clock::time_point> expiration;
};

// Looks up a variable of the captured environment: its value if set and non-empty.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup env_from_map(std::map<std::string, std::string, std::less<>> vars);

// One credential source. fetch() may do network I/O; it is called by
// CredentialsCache under its mutex, so implementations need not be thread-safe.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual AwsCredentials fetch() = 0;
  // "environment", "shared credentials file (profile x)", "web identity", "ECS container",
  // "EC2 instance profile": for messages.
  virtual std::string name() const = 0;
};

// Fixed credentials (AWS_ACCESS_KEY_ID / -k, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or a profile's keys).
std::unique_ptr<CredentialsProvider> make_static_provider(AwsCredentials creds, std::string name = "environment");

}  // namespace wale::store::s3
