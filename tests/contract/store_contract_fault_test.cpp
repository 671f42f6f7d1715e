// FaultInjectingStore with no rules armed is transparent: it passes the
// whole ObjectStore contract suite over the memory store, so a test that
// uses it measures the faults it arms and nothing else.
#include <memory>
#include <vector>

#include "contract/store_contract.h"
#include "store/memory/memory_store.h"
#include "test_support/fault_injecting_store.h"

namespace wale::test {
namespace {

std::unique_ptr<store::ObjectStore> make_fault_over_memory() {
  static std::vector<std::unique_ptr<store::MemoryStore>> inner;  // kept alive for the process
  inner.push_back(std::make_unique<store::MemoryStore>());
  return std::make_unique<FaultInjectingStore>(*inner.back());
}

INSTANTIATE_TEST_SUITE_P(FaultInjecting, StoreContract,
                         testing::Values(StoreFactory{"fault_over_memory", make_fault_over_memory}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace wale::test
