#include "store/s3/web_identity_provider.h"

#include <chrono>

#include "core/error.h"
#include "store/s3/credential_http.h"
#include "store/s3/s3_xml.h"
#include "store/s3/sigv4_signer.h"

namespace wale::store::s3 {

WebIdentityProvider::WebIdentityProvider(std::string sts_endpoint, std::string role_arn, std::string token_file,
                                         std::string session_name, std::string ca_bundle)
    : endpoint_(std::move(sts_endpoint)),
      role_arn_(std::move(role_arn)),
      token_file_(std::move(token_file)),
      session_name_(std::move(session_name)),
      ca_bundle_(std::move(ca_bundle)) {}

AwsCredentials WebIdentityProvider::fetch() {
  constexpr std::string_view what = "STS AssumeRoleWithWebIdentity";
  auto token = read_credential_file(token_file_, "web identity token file");
  if (!token || trim_ascii(*token).empty()) {
    credential_config_error("web identity token file " + token_file_ + " is missing or empty", {},
                            "Check AWS_WEB_IDENTITY_TOKEN_FILE (Kubernetes mounts it for the pod's service account).");
  }
  std::string session = session_name_;
  if (session.empty()) {
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    session = "wal-e-" + std::to_string(ms.count());
  }
  // The token goes in the POST body, never in the URL (which proxies and servers log).
  std::string body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + uri_encode(role_arn_, false) +
                     "&RoleSessionName=" + uri_encode(session, false) +
                     "&WebIdentityToken=" + uri_encode(trim_ascii(*token), false);
  CredentialHttpOptions opt;
  opt.connect_timeout = std::chrono::milliseconds(5000);
  opt.total_timeout = std::chrono::milliseconds(30000);
  opt.ca_bundle = ca_bundle_;
  std::string url = endpoint_;
  if (url.find('/', url.find("://") + 3) == std::string::npos) url += "/";
  CredentialHttpReply r =
      credential_http("POST", url,
                      {"Content-Type: application/x-www-form-urlencoded; charset=utf-8", "Accept: application/xml"},
                      body, opt, what);
  if (r.status != 200) {
    std::string code, message;
    if (auto e = parse_sts_error(r.body)) {
      code = e->code;
      message = e->message;
    }
    ErrorCode ec = (r.status >= 500 || code == "Throttling" || code == "IDPCommunicationError") ? ErrorCode::Transient
                                                                                                : ErrorCode::Config;
    throw Error(ec,
                std::string(what) + " for role " + role_arn_ + " failed: HTTP " + std::to_string(r.status) +
                    (code.empty() ? "" : " " + code),
                message, ec == ErrorCode::Config ? "Check the role's trust policy and AWS_ROLE_ARN." : "");
  }
  return parse_assume_role_response(r.body);
}

std::string sts_endpoint(const EnvLookup& env) {
  std::string ep = env_get(env, "AWS_ENDPOINT_URL_STS");
  if (ep.empty()) ep = env_get(env, "AWS_ENDPOINT_URL");
  if (!ep.empty()) return ep;
  std::string region = env_get(env, "AWS_REGION");
  if (region.empty()) region = env_get(env, "AWS_DEFAULT_REGION");
  return region.empty() ? "https://sts.amazonaws.com" : "https://sts." + region + ".amazonaws.com";
}

AwsCredentials parse_assume_role_response(std::string_view xml) {
  auto c = parse_sts_credentials(xml);
  if (!c) throw Error(ErrorCode::Transient, "malformed STS AssumeRoleWithWebIdentity reply: no <Credentials>");
  return expiring_credentials(c->access_key_id, c->secret_access_key, c->session_token, c->expiration,
                              "STS AssumeRoleWithWebIdentity");
}

std::unique_ptr<CredentialsProvider> make_web_identity_provider(std::string sts_endpoint, std::string role_arn,
                                                                std::string token_file, std::string session_name) {
  return std::make_unique<WebIdentityProvider>(std::move(sts_endpoint), std::move(role_arn), std::move(token_file),
                                               std::move(session_name));
}

}  // namespace wale::store::s3
