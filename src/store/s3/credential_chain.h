// The default credential chain: the first configured source, in the AWS tools' order.
// Reads the shared files (no network); thread-safe.
#pragma once

#include <memory>
#include <string>

#include "store/s3/aws_credentials.h"

namespace wale::store::s3 {

struct CredentialSources {
  // From AWS_ACCESS_KEY_ID (or -k), AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN / AWS_SECURITY_TOKEN.
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  // --aws-instance-profile / AWS_INSTANCE_PROFILE: use only the EC2 instance profile.
  bool instance_profile_only = false;
  EnvLookup env;  // AWS_* variables and HOME; may be empty (= nothing set)
};

// 1. environment (and -k); 2. shared files (AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE,
// AWS_CONFIG_FILE, ~/.aws/credentials, ~/.aws/config; a profile with role_arn +
// web_identity_token_file is web identity); 3. web identity (AWS_ROLE_ARN +
// AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_SESSION_NAME); 4. ECS container
// (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]);
// 5. EC2 instance profile (unless AWS_EC2_METADATA_DISABLED=true), whose fetch turns "no
// reply" into Error{Config} "no AWS credentials found".
// Throws Error{Config} for a key id without a secret (or the reverse), an AWS_PROFILE that
// no file defines or that has no usable credentials, an unsafe container URI, and
// instance_profile_only with AWS_EC2_METADATA_DISABLED.
std::unique_ptr<CredentialsProvider> make_default_chain(const CredentialSources& sources);

}  // namespace wale::store::s3
