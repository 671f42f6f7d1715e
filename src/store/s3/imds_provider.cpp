#include "store/s3/imds_provider.h"

#include <chrono>

#include "core/error.h"
#include "core/stop_token.h"
#include "store/s3/credential_http.h"
#include "store/s3/sigv4_signer.h"

namespace wale::store::s3 {

ImdsProvider::ImdsProvider(std::string endpoint, bool last_in_chain)
    : endpoint_(std::move(endpoint)), last_in_chain_(last_in_chain) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

AwsCredentials ImdsProvider::fetch() {
  for (int attempt = 1;; ++attempt) {
    try {
      AwsCredentials c = fetch_once();
      ever_fetched_ = true;
      return c;
    } catch (const Error& e) {
      bool no_reply = e.code() == ErrorCode::Transient && e.message().find(": no reply from ") != std::string::npos;
      if (!no_reply || ever_fetched_) throw;
      if (attempt < 3) {
        process_stop_token().sleep_for(std::chrono::milliseconds(200 * attempt));
        continue;
      }
      if (last_in_chain_) {
        credential_config_error("no AWS credentials found",
                                "Tried the environment, the shared credentials and config files, web identity, the "
                                "ECS container endpoint and the EC2 instance metadata service (" +
                                    e.message() + ").",
                                "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run on EC2 with an "
                                "instance profile.");
      }
      credential_config_error(e.message(), "No EC2 instance metadata service answered: is this an EC2 instance?",
                              "Run on EC2 with an instance profile (containers need an IMDS hop limit of 2), set "
                              "AWS_EC2_METADATA_SERVICE_ENDPOINT, or give other credentials.");
    }
  }
}

AwsCredentials ImdsProvider::fetch_once() {
  constexpr std::string_view what = "EC2 instance metadata";
  CredentialHttpOptions opt;
  opt.no_proxy = true;
  // IMDSv2: a session token first (PUT), then every read carries it.
  std::string url = endpoint_ + "/latest/api/token";
  CredentialHttpReply tok = credential_http("PUT", url, {"X-aws-ec2-metadata-token-ttl-seconds: 21600"}, "", opt, what);
  if (tok.status != 200 || tok.body.empty())
    credential_status_error(what, url, tok.status, "The IMDSv2 session token request failed.");
  std::string auth = "X-aws-ec2-metadata-token: " + trim_ascii(tok.body);
  url = endpoint_ + "/latest/meta-data/iam/security-credentials/";
  CredentialHttpReply roles = credential_http("GET", url, {auth}, "", opt, what);
  if (roles.status == 404) {
    credential_config_error("EC2 instance metadata: this instance has no IAM role (instance profile)", {},
                            "Attach an instance profile with access to the bucket, or set AWS_ACCESS_KEY_ID and "
                            "AWS_SECRET_ACCESS_KEY.");
  }
  if (roles.status != 200) credential_status_error(what, url, roles.status);
  std::string role = trim_ascii(roles.body.substr(0, roles.body.find('\n')));
  if (role.empty()) credential_config_error("EC2 instance metadata: this instance has no IAM role (instance profile)");
  url += uri_encode(role, false);
  CredentialHttpReply cred = credential_http("GET", url, {auth}, "", opt, what);
  if (cred.status != 200) credential_status_error(what, url, cred.status);
  return parse_credentials_json(cred.body, what);
}

std::string imds_endpoint(const EnvLookup& env) {
  std::string ep = env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (ep.empty()) {
    ep = lower_ascii(env_get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) == "ipv6" ? "http://[fd00:ec2::254]"
                                                                                       : "http://169.254.169.254";
  }
  while (!ep.empty() && ep.back() == '/') ep.pop_back();
  return ep;
}

std::unique_ptr<CredentialsProvider> make_imds_provider(std::string endpoint, bool last_in_chain) {
  return std::make_unique<ImdsProvider>(std::move(endpoint), last_in_chain);
}

}  // namespace wale::store::s3
