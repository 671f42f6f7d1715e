// Helpers shared by the AWS credential providers (imds_provider, web_identity_provider,
// container_provider, credential_chain): one HTTP request to a metadata/STS endpoint,
// small file reads, environment lookups, and the expiring-credentials parsers.
// Stateless functions; thread-safe. Secrets (tokens, request bodies, replies) never go
// into an Error: messages name the service, the URL without its query, and the status.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/s3/aws_credentials.h"

namespace wale::store::s3 {

struct CredentialHttpReply {
  long status = 0;
  std::string body;
};

struct CredentialHttpOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds total_timeout{5000};
  bool no_proxy = false;  // link-local metadata services are never reached through a proxy
  std::string ca_bundle;
};

// One request (method GET, PUT or POST with `body`). Throws Error{Transient} "<what>: no reply
// from <url without query>: <why>" when there is no reply (ImdsProvider recognises this form),
// Error{Cancelled} on a stop request (core/stop_token.h). `what` names the service.
CredentialHttpReply credential_http(std::string_view method, const std::string& url,
                                    const std::vector<std::string>& headers, const std::string& body,
                                    const CredentialHttpOptions& opt, std::string_view what);

// A reply with an unexpected status: Error{Transient} for 5xx/429/408, else Error{Config}.
[[noreturn]] void credential_status_error(std::string_view what, const std::string& url, long status,
                                          std::string detail = {});
[[noreturn]] void credential_config_error(std::string msg, std::string detail = {}, std::string hint = {});

// Credentials with an optional ISO 8601 Expiration; Error{Transient} "malformed <source> reply" if
// the key id or secret is missing or the date is bad.
AwsCredentials expiring_credentials(std::string id, std::string secret, std::string token,
                                    const std::string& expiration, std::string_view source);

// IMDS/ECS JSON {"AccessKeyId","SecretAccessKey","Token","Expiration"} (IMDS also "Code":
// "Success"; another Code is Error{Config}). Error{Transient} "malformed ... reply" otherwise.
AwsCredentials parse_credentials_json(std::string_view json, std::string_view source);

// A small file's content; nullopt if it does not exist; Error{Config} if unreadable.
std::optional<std::string> read_credential_file(const std::string& path, std::string_view what);

std::string env_get(const EnvLookup& env, std::string_view name);  // "" if unset or no lookup
std::string trim_ascii(std::string_view s);
std::string lower_ascii(std::string_view s);

}  // namespace wale::store::s3
