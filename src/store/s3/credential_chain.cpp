#include "store/s3/credential_chain.h"

#include "core/error.h"
#include "store/s3/container_provider.h"
#include "store/s3/credential_http.h"
#include "store/s3/imds_provider.h"
#include "store/s3/shared_credentials_files.h"
#include "store/s3/web_identity_provider.h"

namespace wale::store::s3 {
namespace {

std::string expand_home(const std::string& path, const EnvLookup& env) {
  if (path == "~" || path.rfind("~/", 0) == 0) return env_get(env, "HOME") + path.substr(1);
  return path;
}

}  // namespace

std::unique_ptr<CredentialsProvider> make_default_chain(const CredentialSources& src) {
  const EnvLookup& env = src.env;
  if (src.instance_profile_only) {
    if (lower_ascii(env_get(env, "AWS_EC2_METADATA_DISABLED")) == "true") {
      credential_config_error("--aws-instance-profile was given but AWS_EC2_METADATA_DISABLED is true");
    }
    return make_imds_provider(imds_endpoint(env));
  }
  // 1. Environment (and -k).
  if (!src.access_key_id.empty() || !src.secret_access_key.empty()) {
    if (src.access_key_id.empty()) {
      credential_config_error("AWS Access Key credential is required but not provided", {},
                              "Set AWS_ACCESS_KEY_ID (or pass -k) along with AWS_SECRET_ACCESS_KEY.");
    }
    if (src.secret_access_key.empty()) {
      credential_config_error("AWS Secret Access Key credential is required but not provided", {},
                              "Set AWS_SECRET_ACCESS_KEY.");
    }
    return make_static_provider({src.access_key_id, src.secret_access_key, src.session_token, std::nullopt});
  }
  // 2. Shared credentials and config files.
  std::string explicit_profile = env_get(env, "AWS_PROFILE");
  if (explicit_profile.empty()) explicit_profile = env_get(env, "AWS_DEFAULT_PROFILE");
  std::string profile = explicit_profile.empty() ? "default" : explicit_profile;
  std::string cred_path = env_get(env, "AWS_SHARED_CREDENTIALS_FILE");
  std::string conf_path = env_get(env, "AWS_CONFIG_FILE");
  bool have_home = !env_get(env, "HOME").empty();
  if (cred_path.empty() && have_home) cred_path = "~/.aws/credentials";
  if (conf_path.empty() && have_home) conf_path = "~/.aws/config";
  std::optional<std::string> cred_text, conf_text;
  if (!cred_path.empty()) cred_text = read_credential_file(expand_home(cred_path, env), "AWS shared credentials file");
  if (!conf_path.empty()) conf_text = read_credential_file(expand_home(conf_path, env), "AWS config file");
  if (auto c = credentials_from_profiles(cred_text.value_or(""), conf_text.value_or(""), profile)) {
    return make_static_provider(std::move(*c), "shared credentials file (profile " + profile + ")");
  }
  // A profile that names a web identity role in the config file (as AWS_ROLE_ARN does).
  IniSections conf = parse_ini(conf_text.value_or(""));
  const auto* ps = config_profile(conf, profile);
  if (ps && ps->count("role_arn") && ps->count("web_identity_token_file")) {
    std::string session =
        ps->count("role_session_name") ? ps->at("role_session_name") : env_get(env, "AWS_ROLE_SESSION_NAME");
    return std::make_unique<WebIdentityProvider>(sts_endpoint(env), ps->at("role_arn"),
                                                 expand_home(ps->at("web_identity_token_file"), env), session,
                                                 env_get(env, "AWS_CA_BUNDLE"));
  }
  bool profile_known = ps || parse_ini(cred_text.value_or("")).count(profile) > 0;
  if (!explicit_profile.empty()) {
    if (!profile_known) {
      credential_config_error("AWS profile \"" + profile + "\" was not found",
                              "Looked in " + (cred_path.empty() ? std::string("(no credentials file)") : cred_path) +
                                  " and " + (conf_path.empty() ? std::string("(no config file)") : conf_path) + ".",
                              "Check AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE.");
    }
    credential_config_error(
        "AWS profile \"" + profile + "\" has no credentials wal-e can use",
        "wal-e reads aws_access_key_id/aws_secret_access_key[/aws_session_token] and "
        "role_arn + web_identity_token_file; source_profile, credential_process and SSO profiles are "
        "not supported.");
  }
  // 3. Web identity (Kubernetes service accounts, EKS IRSA).
  std::string role_arn = env_get(env, "AWS_ROLE_ARN");
  std::string token_file = env_get(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  if (!role_arn.empty() && !token_file.empty()) {
    return std::make_unique<WebIdentityProvider>(sts_endpoint(env), role_arn, token_file,
                                                 env_get(env, "AWS_ROLE_SESSION_NAME"), env_get(env, "AWS_CA_BUNDLE"));
  }
  // 4. ECS (and EKS Pod Identity) container credentials.
  std::string rel = env_get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  std::string full = env_get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!rel.empty() || !full.empty()) {
    std::string uri = !rel.empty() ? "http://169.254.170.2" + rel : full;
    if (rel.empty()) check_container_uri(full);
    return make_container_provider(uri, env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN"),
                                   env_get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
  }
  // 5. EC2 instance profile.
  if (lower_ascii(env_get(env, "AWS_EC2_METADATA_DISABLED")) == "true") {
    credential_config_error(
        "no AWS credentials found",
        "Tried the environment, the shared credentials and config files, web identity and the ECS "
        "container endpoint; the EC2 instance metadata service is disabled (AWS_EC2_METADATA_DISABLED).",
        "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE.");
  }
  return make_imds_provider(imds_endpoint(env), /*last_in_chain=*/true);
}

}  // namespace wale::store::s3
