#include "store/s3/imds_provider.h"

#include "core/error.h"
#include "store/s3/credential_http.h"
#include "store/s3/sigv4_signer.h"

namespace wale::store::s3 {

ImdsProvider::ImdsProvider(std::string endpoint) : endpoint_(std::move(endpoint)) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

AwsCredentials ImdsProvider::fetch() {
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

std::unique_ptr<CredentialsProvider> make_imds_provider(std::string endpoint) {
  return std::make_unique<ImdsProvider>(std::move(endpoint));
}
}  // namespace wale::store::s3
