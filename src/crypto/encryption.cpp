#include "crypto/encryption.h"

#include "layout/archive_layout.h"

namespace wale::crypto {

bool is_data_key(std::string_view key) {
  if (layout::wal_name_from_key(key)) return true;
  return key.substr(0, layout::kBackupsDir.size()) == layout::kBackupsDir &&
         key.find("/tar_partitions/") != std::string_view::npos && layout::partition_number(key).has_value();
}

}  // namespace wale::crypto
