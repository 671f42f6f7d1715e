// make_s3_store: the S3 driver's entry point for the CLI layer.
#pragma once

#include <memory>

#include "store/object_store.h"
#include "store/s3/s3_config.h"

namespace wale::store::s3 {

// Validates config (Error{Config} with a one-line message) and returns the store.
// No request is made; call S3Store::check_access() for an early connectivity check.
std::unique_ptr<ObjectStore> make_s3_store(S3Config config);

}  // namespace wale::store::s3
