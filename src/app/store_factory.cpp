#include "app/store_factory.h"

#include "core/error.h"
#include "store/local/local_store.h"

namespace wale::app {

std::unique_ptr<store::ObjectStore> make_store(const config::Settings& settings) {
  switch (settings.backend) {
    case config::Backend::File:
      return std::make_unique<store::LocalStore>(settings.file_root);
    case config::Backend::S3:
      break;
  }
  throw Error(ErrorCode::Unsupported, "the s3:// backend is not built yet", {},
              "Use a file:// prefix (WALE_FILE_PREFIX) for now.");
}

}  // namespace wale::app
