// list_keys: the objects of a few keys that share more than their directory
// ("wal_005/<name>" under every codec's extension), found with one
// ListObjectsV2 request of their common prefix instead of a HEAD each. S3
// listings are strongly consistent on AWS and Ceph radosgw: an object whose
// PUT has returned is listed.
// Thread-safe (the client is). Throws the client's errors.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/s3/s3_client.h"
#include "store/s3/s3_xml.h"

namespace wale::store::s3 {

// The listed entries of `full_keys` (keys with the store's prefix) that
// exist, in the order of `full_keys`; nullopt when one listing cannot answer:
// fewer than two keys, keys that share no more than the first one's
// directory (a whole directory could be long), or a truncated page. The
// caller then asks key by key.
std::optional<std::vector<ListEntry>> list_keys(S3Client& client, std::span<const std::string> full_keys);

}  // namespace wale::store::s3
