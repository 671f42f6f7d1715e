// wal-fetch: restore one WAL file (PostgreSQL's restore_command).
//
// Looks for wal_005/<name><ext> with the preferred codec first, then every
// other codec (so archives written by WAL-E, .lzo, restore too), decompresses
// it into `dest` through a temporary file renamed into place: `dest` is never
// left partial. Returns false (and writes nothing) if the archive does not
// hold the file. Throws Error{Corrupt} for damaged objects, Error{Usage} for a
// name that is not a WAL file name, other Error codes for storage failures.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "store/object_store.h"

namespace wale::archive {

bool wal_fetch(store::ObjectStore& store, const std::string& name, const std::string& dest,
               codec::Codec preferred = codec::Codec::Zstd);

// Every codec, `preferred` first: the order in which archived WAL is looked up.
std::vector<codec::Codec> lookup_order(codec::Codec preferred);

// The key under which WAL file `name` is archived (any codec), or nullopt;
// one stat per codec tried. Does not validate `name`.
std::optional<std::string> find_wal_key(store::ObjectStore& store, const std::string& name,
                                        codec::Codec preferred = codec::Codec::Zstd);

// Opens the archived object of a WAL file as a decompressed stream, or nullptr.
std::unique_ptr<io::ByteSource> open_wal(store::ObjectStore& store, const std::string& name,
                                         codec::Codec preferred = codec::Codec::Zstd);

}  // namespace wale::archive
