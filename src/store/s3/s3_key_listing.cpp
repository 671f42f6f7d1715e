#include "store/s3/s3_key_listing.h"

#include <string_view>

namespace wale::store::s3 {

std::optional<std::vector<ListEntry>> list_keys(S3Client& client, std::span<const std::string> full_keys) {
  if (full_keys.size() < 2) return std::nullopt;
  std::string_view common = full_keys.front();
  for (const auto& k : full_keys) {
    std::size_t n = 0;
    while (n < common.size() && n < k.size() && common[n] == k[n]) ++n;
    common = common.substr(0, n);
  }
  std::size_t slash = full_keys.front().rfind('/');
  std::size_t dir_len = slash == std::string::npos ? 0 : slash + 1;
  if (common.size() <= dir_len) return std::nullopt;
  S3Request req{.method = "GET",
                .key = "",
                .query = {{"list-type", "2"}, {"max-keys", "1000"}, {"prefix", std::string(common)}}};
  ListPage page = parse_list_objects_v2(client.call(req, "ListObjectsV2").body);
  if (page.truncated) return std::nullopt;
  std::vector<ListEntry> out;
  for (const auto& k : full_keys) {
    for (auto& e : page.entries) {
      if (e.key == k) {
        out.push_back(std::move(e));
        break;
      }
    }
  }
  return out;
}

}  // namespace wale::store::s3
