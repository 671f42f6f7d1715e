// WebIdentityProvider: STS AssumeRoleWithWebIdentity, as Kubernetes service accounts
// (EKS IRSA) use: the token file is re-read at every fetch (Kubernetes rotates it) and
// sent in the body of an unsigned POST, never in the URL. Timeouts 5 s connect, 30 s
// total. Not thread-safe (CredentialsCache serialises fetches).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/s3/aws_credentials.h"

namespace wale::store::s3 {

class WebIdentityProvider final : public CredentialsProvider {
 public:
  // session_name "" = "wal-e-<ms since the epoch>"; ca_bundle "" = the system store.
  WebIdentityProvider(std::string sts_endpoint, std::string role_arn, std::string token_file, std::string session_name,
                      std::string ca_bundle = {});
  std::string name() const override { return "web identity"; }
  // Error{Config}: missing token file, STS 4xx (AccessDenied, ...); Error{Transient}: no reply,
  // 5xx, Throttling, IDPCommunicationError.
  AwsCredentials fetch() override;

 private:
  std::string endpoint_, role_arn_, token_file_, session_name_, ca_bundle_;
};

// AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else https://sts.<AWS_REGION or
// AWS_DEFAULT_REGION>.amazonaws.com, else https://sts.amazonaws.com.
std::string sts_endpoint(const EnvLookup& env);

// The <AssumeRoleWithWebIdentityResponse> XML; Error{Transient} "malformed ..." without <Credentials>.
AwsCredentials parse_assume_role_response(std::string_view xml);

std::unique_ptr<CredentialsProvider> make_web_identity_provider(std::string sts_endpoint, std::string role_arn,
                                                                std::string token_file, std::string session_name);

}  // namespace wale::store::s3
