// The ObjectStore contract suite against radosgw: path-style and virtual-host addressing.
#include "contract/store_contract.h"
#include "s3_test_env.h"
#include "store/s3/s3_store_factory.h"

namespace wale::test {
namespace {

INSTANTIATE_TEST_SUITE_P(
    S3, StoreContract,
    testing::Values(StoreFactory{"radosgw_path", [] { return store::s3::make_s3_store(radosgw_config("contract")); }},
                    StoreFactory{"radosgw_vhost",
                                 [] {
                                   auto c = radosgw_config("contract-vhost");
                                   c.endpoint = store::s3::parse_s3_endpoint(s3_env().vhost_endpoint);
                                   return store::s3::make_s3_store(c);
                                 }}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace wale::test
