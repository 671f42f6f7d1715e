// Builds the ObjectStore a Settings value names (file:// or s3://).
// Throws Error{Config}/{Unsupported}. The store is owned by the caller.
#pragma once

#include <memory>

#include "config/settings.h"
#include "store/object_store.h"

namespace wale::app {

std::unique_ptr<store::ObjectStore> make_store(const config::Settings& settings);

}  // namespace wale::app
