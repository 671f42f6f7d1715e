#include "archive/wal_push.h"

#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <exception>
#include <optional>
#include <vector>

#include "archive/wal_archive.h"
#include "core/error.h"
#include "core/log.h"
#include "core/scratch_buffer.h"
#include "io/counting_sink.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "io/hashing_source.h"
#include "layout/archive_layout.h"
#include "pg/lsn.h"

namespace wale::archive {
namespace {

const char* kLogger = "wal_e.worker.upload";

// True if the two streams hold the same bytes.
bool same_content(io::ByteSource& a, io::ByteSource& b) {
  ScratchBuffer ba(256 * 1024), bb(256 * 1024);
  for (;;) {
    std::size_t na = io::read_full(a, ba);
    std::size_t nb = io::read_full(b, bb);
    if (na != nb || std::memcmp(ba.data(), bb.data(), na) != 0) return false;
    if (na == 0) return true;
  }
}

// The decompressed object of WAL file `name` under codec `c`, or nullptr.
std::unique_ptr<io::ByteSource> open_stored(store::ObjectStore& store, const std::string& name, codec::Codec c) {
  auto source = store.get(layout::wal_key(name, c));
  if (!source) return nullptr;
  return std::make_unique<io::FilterSource>(codec::make_decompressor(c), std::move(source));
}

Error conflict(store::ObjectStore& store, const std::string& name, const std::string& key, const std::string& what) {
  return Error(ErrorCode::Conflict, "WAL file " + name + " is already archived with different content",
               "The key is " + store.describe(key) + "; " + what,
               "Another cluster may be archiving to the same prefix: give each cluster its own prefix.");
}

Error vanished(store::ObjectStore& store, const std::string& key) {
  return Error(ErrorCode::Transient, "archived WAL object vanished while it was being compared",
               "The key is " + store.describe(key) + ".",
               "Another wal-push of this file withdrew it; PostgreSQL will retry.");
}

// The codecs of `codecs` (in that order) under which WAL file `name` is
// stored, given the ObjectInfo of those of their keys that exist.
std::vector<codec::Codec> codecs_found(const std::string& name, const std::vector<codec::Codec>& codecs,
                                       const std::vector<store::ObjectInfo>& found) {
  std::vector<codec::Codec> out;
  for (codec::Codec c : codecs) {
    std::string key = layout::wal_key(name, c);
    for (const auto& info : found) {
      if (info.key == key) out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> keys_of(const std::string& name, const std::vector<codec::Codec>& codecs) {
  std::vector<std::string> keys;
  for (codec::Codec c : codecs) keys.push_back(layout::wal_key(name, c));
  return keys;
}

// The codecs of `codecs` (in that order) under which WAL file `name` is
// stored: one listing request on S3 instead of a lookup per codec.
std::vector<codec::Codec> stored_codecs(store::ObjectStore& store, const std::string& name,
                                        const std::vector<codec::Codec>& codecs) {
  return codecs_found(name, codecs, store.stat_many(keys_of(name, codecs)));
}

std::vector<codec::Codec> other_codecs(codec::Codec ours) {
  std::vector<codec::Codec> others;
  for (codec::Codec c : lookup_order(ours)) {
    if (c != ours) others.push_back(c);
  }
  return others;
}

// Step 3: throws Conflict if a codec other than `ours` holds the name with
// content whose hash is not `hash`. `looked_up`: the other codecs' keys as
// the store looked them up right after publishing (PutOptions::looked_up);
// without it they are looked up now.
void check_other_codecs(store::ObjectStore& store, const std::string& name, codec::Codec ours, const std::string& hash,
                        const std::optional<std::vector<store::ObjectInfo>>& looked_up = {}) {
  std::vector<codec::Codec> others = other_codecs(ours);
  std::vector<codec::Codec> found =
      looked_up ? codecs_found(name, others, *looked_up) : stored_codecs(store, name, others);
  for (codec::Codec c : found) {
    auto stored = open_stored(store, name, c);
    if (stored && io::hash_all(*stored) != hash) {
      throw conflict(store, name, layout::wal_key(name, c), "it was not overwritten.");
    }
  }
}

}  // namespace

WalPushResult wal_push(store::ObjectStore& store, const std::string& path, const WalPushOptions& options,
                       WalPushReport* report) {
  std::string name = io::base_name(path);
  if (pg::classify_wal_file(name) == pg::WalFileKind::Invalid) {
    throw Error(ErrorCode::Usage, "\"" + name + "\" is not a WAL file name", "The path is \"" + path + "\".",
                "wal-push archives files PostgreSQL names in %p: segments, .history, .backup and .partial files.");
  }
  auto file = io::open_file_source(path);
  if (!file) {
    throw Error(ErrorCode::NotFound, "could not find file for wal-push", "The path is \"" + path + "\".",
                "Check archive_command passes %p and runs in the data directory.");
  }
  struct stat st {};
  if (::fstat(file->fd(), &st) != 0) throw_errno("could not stat file", path, errno);

  std::string key = layout::wal_key(name, options.codec);
  auto started = std::chrono::steady_clock::now();
  log::info(kLogger, {"begin archiving a file",
                      {},
                      {},
                      {{"action", "push-wal"}, {"key", store.describe(key)}, {"seg", name}, {"state", "begin"}}});
  auto already_archived = [&](const std::string& found_key, const std::string& hash) {
    // The object may be one whose writer was killed (or failed) between
    // publishing it and syncing it: vouch for it only once it is durable.
    try {
      store.make_durable(found_key);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::NotFound) throw vanished(store, found_key);
      throw;
    }
    if (report) report->content_hash = hash;
    log::info(kLogger, {"WAL file is already archived with the same content",
                        "The key is " + store.describe(found_key) + ".",
                        {},
                        {{"action", "push-wal"}, {"seg", name}, {"state", "complete"}}});
    return WalPushResult::AlreadyArchived;
  };

  // 1. Look under every codec's key first (unless the caller just did).
  std::vector<codec::Codec> found_codecs;
  if (!options.known_absent) found_codecs = stored_codecs(store, name, lookup_order(options.codec));
  for (codec::Codec c : found_codecs) {
    auto stored = open_stored(store, name, c);
    if (!stored) continue;
    std::string found = layout::wal_key(name, c);
    io::HashingSource hashed(*file);
    if (!same_content(*stored, hashed)) throw conflict(store, name, found, "it was not overwritten.");
    check_other_codecs(store, name, c, hashed.hex());
    return already_archived(found, hashed.hex());
  }

  // 2. Publish create-only.
  codec::CompressOptions copts;
  copts.lzop_mode = st.st_mode;
  copts.lzop_mtime = static_cast<std::uint32_t>(st.st_mtim.tv_sec);
  std::uint64_t compressed = 0;
  store::PutOptions create_only;
  create_only.if_absent = true;
  // Step 3's look, done by the store with its read-back when it can (one S3 listing for both).
  std::optional<std::vector<store::ObjectInfo>> looked_up;
  create_only.look_up_after = keys_of(name, other_codecs(options.codec));
  create_only.looked_up = &looked_up;
  io::FilterSink sink(codec::make_compressor(options.codec, copts),
                      std::make_unique<io::CountingSink>(store.put(key, create_only), compressed));
  io::HashingSource hashed(*file);
  std::uint64_t bytes = io::copy(hashed, sink);
  std::string hash = hashed.hex();
  if (options.before_publish) options.before_publish(file->fd());
  try {
    sink.finish();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Conflict) throw;
    // Another pusher published this key since step 1: compare with what we read.
    auto stored = open_stored(store, name, options.codec);
    if (!stored) throw vanished(store, key);
    if (io::hash_all(*stored) != hash) throw conflict(store, name, key, "it was not overwritten.");
    check_other_codecs(store, name, options.codec, hash);
    return already_archived(key, hash);
  }

  // 3. Look again under the other codecs; withdraw ours if one holds different content.
  try {
    check_other_codecs(store, name, options.codec, hash, looked_up);
  } catch (...) {
    auto failure = std::current_exception();
    try {
      std::vector<std::string> ours{key};
      store.remove(ours);
    } catch (const Error& e) {
      log::warning(kLogger, {"could not withdraw a conflicting WAL object",
                             e.message(),
                             {},
                             {{"action", "push-wal"}, {"key", store.describe(key)}, {"seg", name}}});
    }
    std::rethrow_exception(failure);
  }
  if (report) {
    report->stored_bytes = compressed;
    report->content_hash = hash;
  }

  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.2f", secs > 0 ? bytes / 1024.0 / secs : 0.0);
  log::info(
      kLogger,
      {"completed archiving to a file",
       {},
       {},
       {{"action", "push-wal"}, {"key", store.describe(key)}, {"rate", rate}, {"seg", name}, {"state", "complete"}}});
  return WalPushResult::Stored;
}

}  // namespace wale::archive
