// wal-push: archive one WAL file (PostgreSQL's archive_command).
//
// Stores wal_005/<basename(path)><ext>. Returns only once the object is
// durably stored (the store's sink finished). Throws Error{NotFound} if `path`
// does not exist, Error{Usage} if its base name is not a WAL file name
// PostgreSQL archives. Thread-safe if the store is.
//
// One WAL file name never gets two different contents in the archive, across
// codecs and concurrent pushers (two clusters on one prefix, a retried
// archive_command racing its predecessor, push-ahead racing PostgreSQL):
//  1. Look first: the name's object under every codec (lookup_order). If one
//     exists, compare its decompressed content with the file: identical ->
//     AlreadyArchived (idempotent; the object is made durable first,
//     ObjectStore::make_durable: its writer may have been killed before it
//     synced it), different -> Error{Conflict}.
//  2. Publish create-only (PutOptions::if_absent): a pusher that passed step 1
//     at the same time as another cannot replace its object; it gets a
//     Conflict from the store and compares as in step 1.
//  3. Look again under every other codec (done by the store together with
//     its read-back of step 2 when it can: PutOptions::look_up_after, one
//     S3 listing for both): an object there with different
//     content was published by a concurrent pusher using another codec. Then
//     withdraw (delete) our own just-published object and throw Conflict.
//     The other pusher does the same if it sees ours, so at worst both fail
//     and PostgreSQL retries; both cannot succeed: whichever published second
//     sees the first's object in step 3 (the first's object is only withdrawn
//     by a first that failed). An identical object under another codec is
//     left alone (both hold the same bytes; withdrawing could race to zero).
// Identity is compared as XXH3-128 of the decompressed bytes (io/hashing_source.h)
// against the hash of the bytes this call read, so a file changing under us
// cannot make a stored object look like ours. Known residual: a third pusher
// that finds an object identical to its file in step 1 or 2 succeeds, and that
// object can still be withdrawn by its own publisher in step 3 (only with
// three concurrent pushers of one name, two contents and two codecs).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "codec/codec.h"
#include "store/object_store.h"

namespace wale::archive {

struct WalPushOptions {
  codec::Codec codec = codec::Codec::Zstd;
  // Called once the whole file has been read and before its object is
  // published, with the descriptor it was read from. Throwing abandons the
  // push: nothing is published and the exception propagates (push-ahead uses
  // it to make sure PostgreSQL has not recycled the file meanwhile).
  std::function<void(int fd)> before_publish = nullptr;
  // The caller has looked (stat_many over every codec's key of this name,
  // during this push's run) and found no object: step 1 is skipped. Steps 2
  // and 3 alone keep one content per name (an object published since is met
  // by the create-only PUT or by step 3); step 1 only saves an upload when
  // the name is already archived. The push-ahead worker looks once per batch.
  bool known_absent = false;
};

enum class WalPushResult { Stored, AlreadyArchived };

struct WalPushReport {
  std::uint64_t stored_bytes = 0;  // size of the object this call wrote (Stored only)
  std::string content_hash;        // io::HashingSource hex of the file's bytes as read (either result)
};

WalPushResult wal_push(store::ObjectStore& store, const std::string& path, const WalPushOptions& options,
                       WalPushReport* report = nullptr);

}  // namespace wale::archive
