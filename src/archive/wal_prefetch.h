// WAL prefetch for restore_command: while PostgreSQL replays segment N, the
// next segments are downloaded in the background into
// <pg_wal>/.wal-e/prefetch/<SEG>, and a later wal-fetch takes its segment
// from there with one rename.
//
// Safety: a prefetched file appears under its segment name only by an atomic
// rename of a completely downloaded and decompressed temporary file, so a
// partial file is never used; a download in progress is claimed by a
// directory running/<SEG> (mkdir is atomic), claims older than a minute are
// considered abandoned; everything in prefetch/ that is not one of the
// segments now expected (e.g. other timelines, older segments, hidden
// temporaries) is removed.
// Thread-safe if the store is; throws wale::Error like wal_fetch.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "store/object_store.h"

namespace wale::archive {

// <dirname(realpath(dest))>/.wal-e/prefetch
std::string prefetch_dir_for(const std::string& dest);

struct PrefetchPlan {
  std::string base;                  // prefetch directory
  std::vector<std::string> missing;  // segments to start downloading
};

// wal-fetch with prefetch: takes `name` from the prefetch directory if it is
// there, otherwise fetches it in-band; then cleans the prefetch directory and
// returns the segments that should be fetched in the background (none when
// depth is 0 or `name` is not a segment, and none while the next segment is
// on its way and at least half the window is present or in flight: refills
// come in batches). Returns {found, plan}.
struct PrefetchFetchResult {
  bool found = false;
  bool from_prefetch = false;
  PrefetchPlan plan;
};
PrefetchFetchResult wal_fetch_with_prefetch(store::ObjectStore& store, const std::string& name, const std::string& dest,
                                            codec::Codec preferred, unsigned depth);

// The wal-prefetch worker: downloads each segment into `base`, in parallel.
// Missing segments are skipped silently (the archive may not have them yet).
void wal_prefetch(store::ObjectStore& store, const std::string& base, const std::vector<std::string>& segments,
                  codec::Codec preferred, unsigned parallelism);

}  // namespace wale::archive
