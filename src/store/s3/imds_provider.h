// ImdsProvider: the EC2 instance profile through IMDSv2: PUT /latest/api/token (the
// session token, TTL 6 h), GET /latest/meta-data/iam/security-credentials/ (the role
// name), GET .../<role> (JSON credentials). No IMDSv1 fallback. Timeouts 1 s connect,
// 5 s total; never through a proxy. Not thread-safe (CredentialsCache serialises fetches).
#pragma once

#include <memory>
#include <string>

#include "store/s3/aws_credentials.h"

namespace wale::store::s3 {

class ImdsProvider final : public CredentialsProvider {
 public:
  // last_in_chain: the chain fell through to the instance profile (nothing else configured),
  // so "no metadata service" means "no credentials anywhere".
  explicit ImdsProvider(std::string endpoint, bool last_in_chain = false);
  std::string name() const override { return "EC2 instance profile"; }
  // Error{Config}: no role on the instance, a refused token, and no reply at all before any
  // fetch of this process succeeded (3 quick attempts: most likely not an EC2 instance, so
  // failing at once beats minutes of retries); Error{Transient}: no reply once a fetch has
  // succeeded (a refresh; the request's retry loop retries), 5xx.
  AwsCredentials fetch() override;

 private:
  AwsCredentials fetch_once();

  std::string endpoint_;
  bool last_in_chain_;
  bool ever_fetched_ = false;
};

// AWS_EC2_METADATA_SERVICE_ENDPOINT, default http://169.254.169.254
// (http://[fd00:ec2::254] with AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6); no trailing '/'.
std::string imds_endpoint(const EnvLookup& env);

std::unique_ptr<CredentialsProvider> make_imds_provider(std::string endpoint, bool last_in_chain = false);

}  // namespace wale::store::s3
