// ContainerProvider: the ECS container credentials endpoint (also EKS Pod Identity):
// GET the URI with "Authorization: <token>" (the token, or the content of the token file
// re-read at every fetch), JSON reply. Timeouts 2 s connect, 10 s total; never through a
// proxy. Not thread-safe (CredentialsCache serialises fetches).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "store/s3/aws_credentials.h"

namespace wale::store::s3 {

class ContainerProvider final : public CredentialsProvider {
 public:
  // auth_token and auth_token_file may both be empty (no Authorization header).
  ContainerProvider(std::string uri, std::string auth_token, std::string auth_token_file);
  std::string name() const override { return "ECS container"; }
  AwsCredentials fetch() override;

 private:
  std::string uri_, token_, token_file_;
};

// Throws Error{Config} unless an AWS_CONTAINER_CREDENTIALS_FULL_URI is https, or http to
// a loopback address or the ECS/EKS agent (169.254.170.2, 169.254.170.23, fd00:ec2::23).
void check_container_uri(std::string_view uri);

std::unique_ptr<CredentialsProvider> make_container_provider(std::string uri, std::string auth_token,
                                                             std::string auth_token_file);

}  // namespace wale::store::s3
