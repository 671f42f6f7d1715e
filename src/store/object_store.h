// ObjectStore: a flat key space of immutable byte objects (a local directory,
// an S3 bucket prefix, memory). Keys are relative ("wal_005/0000...01.zst"),
// use '/' as separator, and never contain "..", "." segments, or a leading '/'.
//
// Contract:
//  - put(key) returns a sink; the object becomes visible, complete, only when
//    the sink's finish() returns, and it is durable then. A sink destroyed
//    unfinished leaves no visible object (and no prior object is harmed).
//    A finished put replaces an existing object atomically, unless
//    PutOptions::if_absent is set (see there).
//  - get(key) returns nullptr iff the object does not exist.
//  - stat(key) returns std::nullopt iff the object does not exist.
//  - list(prefix, each) calls `each` for every object whose key starts with
//    `prefix`, in ascending key order.
//  - remove(keys) deletes the keys; absent keys are not an error.
// Every method may be called from several threads at once; sinks and sources
// are used by one thread. Failures throw wale::Error (Transient ones may have
// been retried already by the store).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/byte_sink.h"
#include "io/byte_source.h"

namespace wale::store {

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
};

struct PutOptions {
  std::string content_type;  // e.g. "application/json"; empty = store default
  // Create-only: finish() publishes the object only if no object exists under
  // the key, else throws Error{Conflict} and leaves the existing object as it
  // was. The check and the publication are one atomic step in the memory and
  // local stores (link/renameat2 RENAME_NOREPLACE) and on S3 servers that
  // honour `If-None-Match: *` (AWS, Ceph radosgw): of two puts of one key
  // racing, at most one succeeds. S3 reads the object back after finishing:
  // its MD5 (or multipart ETag) must be ours, else Conflict; so on S3 an
  // existing object with the very same bytes counts as this put's own (a
  // retried PUT cannot tell its lost first attempt apart). For servers that
  // ignore the condition, that read-back and a look before completing a
  // multipart upload narrow the window, but a concurrent writer can still
  // slip in between: callers that need more compare content (wal_push).
  bool if_absent = false;
  // With if_absent: keys the caller looks up right after the publication
  // (wal_push's step 3: the WAL file's name under the other codecs). A store
  // may answer them in finish() together with its own read-back and then
  // sets *looked_up to the ObjectInfo of those that exist (in the order of
  // look_up_after), looked up after this object was published: S3 lists the
  // common prefix once, and this object's ETag in that listing confirms it
  // instead of a HEAD. A store that does not (local, memory, S3 for a
  // multipart object or keys one listing cannot answer) leaves *looked_up
  // empty and the caller looks itself. `looked_up` is not owned; it must
  // outlive finish().
  std::vector<std::string> look_up_after{};
  std::optional<std::vector<ObjectInfo>>* looked_up = nullptr;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual std::unique_ptr<io::ByteSink> put(std::string_view key, const PutOptions& options = {}) = 0;
  virtual std::unique_ptr<io::ByteSource> get(std::string_view key) = 0;
  // get(), for a caller that checks every byte it reads against a checksum
  // stored inside the object when it was written (a decompressor from
  // codec::make_verifying_decompressor, which refuses a stream that lacks one):
  // a store may then skip its own digest of the body (S3: the MD5 against
  // x-amz-meta-wale-md5 or the ETag, the largest CPU cost of a restore).
  // Everything else stays (S3: the length against Content-Length, resumes
  // pinned to the ETag). The caller must read to the end and finish its
  // decoder before trusting the data. Default: get(key), every check kept.
  virtual std::unique_ptr<io::ByteSource> get_verified_by_reader(std::string_view key) { return get(key); }
  virtual std::optional<ObjectInfo> stat(std::string_view key) = 0;
  // The ObjectInfo of each of `keys` that exists, in the order of `keys`
  // (absent keys are left out): stat() of each key by default. The S3 store
  // answers keys that share more than their directory ("wal_005/<name>" under
  // every codec's extension) with one listing request instead of one each.
  virtual std::vector<ObjectInfo> stat_many(std::span<const std::string> keys);
  virtual void list(std::string_view prefix, const std::function<void(const ObjectInfo&)>& each) = 0;
  virtual void remove(std::span<const std::string> keys) = 0;
  // Makes the existing object `key` durable, for a caller about to vouch for
  // an object it did not write (wal_push finding its file already archived).
  // A writer killed inside finish(), or whose finish() failed, can leave an
  // object that is visible but not yet durable: the local store moves the
  // file into place, then syncs its directory. Throws Error{NotFound} if the
  // object does not exist, the store's errors otherwise. Default: nothing
  // (an object is durable once visible: S3, memory).
  virtual void make_durable(std::string_view key) { (void)key; }
  // Removes what interrupted writers left under `prefix` ("" or ending in '/')
  // and returns how many: the local store's hidden temporary files whose
  // process is gone (see io::remove_stale_temps). With `at_most_every` > 0 a
  // store skips the sweep if it ran that recently (the local store keeps a
  // hidden stamp file). Default: nothing to remove. Never throws for a
  // failed removal (a sweep only saves space).
  virtual std::size_t remove_abandoned(std::string_view prefix, std::chrono::seconds at_most_every = {}) {
    (void)prefix;
    (void)at_most_every;
    return 0;
  }
  // Human-readable location of a key ("file:///srv/wal/x", "s3://bucket/p/x"), for messages.
  virtual std::string describe(std::string_view key) const = 0;
  // Throws (Error{Config}, or the store's remote error) unless the archive
  // root itself -- the directory, the bucket -- exists and can be read: an
  // absent object means "not in the archive" only then (restore_command).
  // May make a request; the default (memory) has nothing to check.
  virtual void check_access() {}
};

// Throws Error{Usage} unless key is a valid relative object key (see above).
void check_key(std::string_view key);

// Convenience: whole small objects.
void put_bytes(ObjectStore& store, std::string_view key, std::string_view bytes, const PutOptions& options = {});
std::optional<std::string> get_bytes(ObjectStore& store, std::string_view key);

}  // namespace wale::store
