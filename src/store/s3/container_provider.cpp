#include "store/s3/container_provider.h"

#include "core/error.h"
#include "store/s3/credential_http.h"

namespace wale::store::s3 {

ContainerProvider::ContainerProvider(std::string uri, std::string auth_token, std::string auth_token_file)
    : uri_(std::move(uri)), token_(std::move(auth_token)), token_file_(std::move(auth_token_file)) {}

AwsCredentials ContainerProvider::fetch() {
  constexpr std::string_view what = "container credentials endpoint";
  std::vector<std::string> headers;
  std::string token = token_;
  if (!token_file_.empty()) {
    auto t = read_credential_file(token_file_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (!t) credential_config_error("container authorization token file " + token_file_ + " does not exist");
    token = trim_ascii(*t);
  }
  if (!token.empty()) headers.push_back("Authorization: " + token);
  CredentialHttpOptions opt;
  opt.connect_timeout = std::chrono::milliseconds(2000);
  opt.total_timeout = std::chrono::milliseconds(10000);
  opt.no_proxy = true;
  CredentialHttpReply r = credential_http("GET", uri_, headers, "", opt, what);
  if (r.status != 200) credential_status_error(what, uri_, r.status);
  return parse_credentials_json(r.body, what);
}

void check_container_uri(std::string_view uri) {
  // As the AWS SDKs: the authorization token goes over plain http only to this host or the
  // container agent's link-local addresses, never to an arbitrary host.
  std::size_t sep = uri.find("://");
  std::string scheme = sep == std::string_view::npos ? "" : lower_ascii(uri.substr(0, sep));
  if (scheme == "https") return;
  if (scheme == "http") {
    std::string_view rest = uri.substr(sep + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    std::string_view host = authority;
    if (!authority.empty() && authority.front() == '[') {
      host = authority.substr(1, authority.find(']') == std::string_view::npos ? 0 : authority.find(']') - 1);
    } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
    }
    std::string h = lower_ascii(host);
    if (h == "localhost" || h == "::1" || h == "169.254.170.2" || h == "169.254.170.23" || h == "fd00:ec2::23" ||
        h.rfind("127.", 0) == 0) {
      return;
    }
  }
  credential_config_error(
      "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or ECS/EKS agent address",
      "The value is \"" + std::string(uri) + "\".");
}

std::unique_ptr<CredentialsProvider> make_container_provider(std::string uri, std::string auth_token,
                                                             std::string auth_token_file) {
  return std::make_unique<ContainerProvider>(std::move(uri), std::move(auth_token), std::move(auth_token_file));
}

}  // namespace wale::store::s3
