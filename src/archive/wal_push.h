// wal-push: archive one WAL file (PostgreSQL's archive_command).
//
// Stores wal_005/<basename(path)><ext>. Returns only once the object is
// durably stored (the store's sink finished). If an object already exists
// under that key: identical content (after decompression) -> success without
// writing; different content -> Error{Conflict}, nothing overwritten.
// Throws Error{NotFound} if `path` does not exist, Error{Usage} if its base
// name is not a WAL file name PostgreSQL archives. Thread-safe if the store is.
#pragma once

#include <cstdint>
#include <string>

#include "codec/codec.h"
#include "store/object_store.h"

namespace wale::archive {

struct WalPushOptions {
  codec::Codec codec = codec::Codec::Zstd;
};

enum class WalPushResult { Stored, AlreadyArchived };

// When `stored_bytes` is given it receives the stored object's size, when
// this call wrote it (Stored).
WalPushResult wal_push(store::ObjectStore& store, const std::string& path, const WalPushOptions& options,
                       std::uint64_t* stored_bytes = nullptr);

}  // namespace wale::archive
