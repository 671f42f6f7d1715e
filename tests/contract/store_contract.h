// The ObjectStore contract suite. Every driver instantiates it:
//   INSTANTIATE_TEST_SUITE_P(Local, StoreContract, testing::Values(StoreFactory{...}));
// Each test gets a fresh, empty store from the factory.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "store/object_store.h"

namespace wale::test {

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<store::ObjectStore>()> make;
};

inline std::string PrintToString(const StoreFactory& f) { return f.name; }

class StoreContract : public testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { store_ = GetParam().make(); }
  std::unique_ptr<store::ObjectStore> store_;
};

}  // namespace wale::test
