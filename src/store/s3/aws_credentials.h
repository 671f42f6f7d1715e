// AWS credentials as the AWS tools find them: the credential sources
// (environment, shared credentials/config files, web identity through STS,
// ECS container endpoint, EC2 instance profile through IMDSv2), the default
// chain that picks the first source that is configured. CredentialsCache
// (credentials_cache.h) hands them out and refreshes temporary ones.
//
// Nothing here reads the process environment: callers pass an EnvLookup over
// the variables app/ captured (AWS_*, HOME). Secrets (secret keys, session
// tokens, web identity tokens, container authorization tokens) never appear
// in an Error, a log record or a URL; error messages name the source and the
// endpoint only.
//
// Errors: Error{Config} for a source that is misconfigured or refuses us
// (missing file or profile, STS AccessDenied, no role on the instance, no
// credentials anywhere); Error{Transient} for network failures and 5xx
// replies of the metadata/STS endpoints (the S3 retry loop retries those).
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
  // "environment", "shared credentials file", "web identity", "ECS container", "EC2 instance profile".
  virtual std::string name() const = 0;
};

// ---- Sources ---------------------------------------------------------------

// Fixed credentials (AWS_ACCESS_KEY_ID / -k, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
std::unique_ptr<CredentialsProvider> make_static_provider(AwsCredentials creds, std::string name = "environment");

// INI text as the AWS shared files use it: "[section]" headers, "key = value"
// lines, '#'/';' comments; keys are lowercased; indented lines (nested
// settings such as "s3 =\n  max_concurrent_requests = 4") are skipped. Pure.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
IniSections parse_ini(std::string_view text);

// The static keys of `profile` from the credentials file text (section
// "[profile]") and the config file text (section "[profile name]", or
// "[default]" for the default profile); the credentials file wins, as in the
// AWS CLI. nullopt if neither has aws_access_key_id for the profile.
// Throws Error{Config} if a profile has a key id but no secret. Pure.
std::optional<AwsCredentials> credentials_from_profiles(std::string_view credentials_text, std::string_view config_text,
                                                        std::string_view profile);

// Endpoints of the metadata services (override variables honoured):
// IMDS: AWS_EC2_METADATA_SERVICE_ENDPOINT, default http://169.254.169.254.
// STS: AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else https://sts.<AWS_REGION>.amazonaws.com
//      (https://sts.amazonaws.com without a region).
// ECS: AWS_CONTAINER_CREDENTIALS_FULL_URI, else http://169.254.170.2 + _RELATIVE_URI.
std::string imds_endpoint(const EnvLookup& env);
std::string sts_endpoint(const EnvLookup& env);

// EC2 instance profile through IMDSv2: PUT /latest/api/token (the session
// token), GET /latest/meta-data/iam/security-credentials/ (the role name),
// GET .../<role> (JSON credentials).
std::unique_ptr<CredentialsProvider> make_imds_provider(std::string endpoint);
// STS AssumeRoleWithWebIdentity with the token read from token_file at every fetch
// (Kubernetes rotates it). An unsigned POST; the token goes in the body, never the URL.
std::unique_ptr<CredentialsProvider> make_web_identity_provider(std::string sts_endpoint, std::string role_arn,
                                                                std::string token_file, std::string session_name);
// ECS/EKS-Pod-Identity container endpoint: GET uri with the Authorization
// header (token, or the content of token_file read at every fetch; both may be empty).
std::unique_ptr<CredentialsProvider> make_container_provider(std::string uri, std::string auth_token,
                                                             std::string auth_token_file);

// Throws Error{Config} unless an AWS_CONTAINER_CREDENTIALS_FULL_URI is https, or http to
// a loopback address or the ECS/EKS agent (169.254.170.2, 169.254.170.23, fd00:ec2::23).
void check_container_uri(std::string_view uri);

// Parsers of the sources' replies (pure; Error{Transient} "malformed ... reply" on bad input):
// IMDS/ECS JSON {"AccessKeyId","SecretAccessKey","Token","Expiration"} (IMDS also "Code": "Success").
AwsCredentials parse_credentials_json(std::string_view json, std::string_view source);
// STS <AssumeRoleWithWebIdentityResponse> XML.
AwsCredentials parse_assume_role_response(std::string_view xml);

// ---- The chain -------------------------------------------------------------

struct CredentialSources {
  // From AWS_ACCESS_KEY_ID (or -k), AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN / AWS_SECURITY_TOKEN.
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  // --aws-instance-profile / AWS_INSTANCE_PROFILE: use only the EC2 instance profile.
  bool instance_profile_only = false;
  EnvLookup env;  // AWS_* variables and HOME; may be empty (= nothing set)
};

// The first configured source, in the AWS tools' order: environment, shared
// files (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE,
// ~/.aws/credentials, ~/.aws/config), web identity (AWS_ROLE_ARN +
// AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_SESSION_NAME), ECS container
// (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI), EC2 instance profile
// (unless AWS_EC2_METADATA_DISABLED=true). Reads the shared files (no network).
// Throws Error{Config} for a key id without a secret (or the reverse), an
// AWS_PROFILE that no file defines, and instance_profile_only with
// AWS_EC2_METADATA_DISABLED.
std::unique_ptr<CredentialsProvider> make_default_chain(const CredentialSources& sources);

}  // namespace wale::store::s3
