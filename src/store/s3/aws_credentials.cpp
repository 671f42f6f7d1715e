#include "store/s3/aws_credentials.h"

namespace wale::store::s3 {
namespace {

class StaticProvider final : public CredentialsProvider {
 public:
  StaticProvider(AwsCredentials c, std::string name) : creds_(std::move(c)), name_(std::move(name)) {}
  AwsCredentials fetch() override { return creds_; }
  std::string name() const override { return name_; }

 private:
  AwsCredentials creds_;
  std::string name_;
};

}  // namespace

EnvLookup env_from_map(std::map<std::string, std::string, std::less<>> vars) {
  auto shared = std::make_shared<const std::map<std::string, std::string, std::less<>>>(std::move(vars));
  return [shared](std::string_view name) -> std::optional<std::string> {
    auto it = shared->find(name);
    if (it == shared->end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::unique_ptr<CredentialsProvider> make_static_provider(AwsCredentials creds, std::string name) {
  return std::make_unique<StaticProvider>(std::move(creds), std::move(name));
}

}  // namespace wale::store::s3
