#include "archive/wal_push.h"

#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "archive/wal_fetch.h"
#include "core/error.h"
#include "core/log.h"
#include "io/counting_sink.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "layout/archive_layout.h"
#include "pg/lsn.h"

namespace wale::archive {
namespace {

// True if the two streams hold the same bytes.
bool same_content(io::ByteSource& a, io::ByteSource& b) {
  std::vector<std::byte> ba(256 * 1024), bb(256 * 1024);
  for (;;) {
    std::size_t na = io::read_full(a, ba);
    std::size_t nb = io::read_full(b, bb);
    if (na != nb || std::memcmp(ba.data(), bb.data(), na) != 0) return false;
    if (na == 0) return true;
  }
}

}  // namespace

WalPushResult wal_push(store::ObjectStore& store, const std::string& path, const WalPushOptions& options,
                       std::uint64_t* stored_bytes) {
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
  log::info("wal_e.worker.upload", {"begin archiving a file", {}, {},
                                     {{"action", "push-wal"}, {"key", store.describe(key)}, {"seg", name},
                                      {"state", "begin"}}});

  if (store.stat(key)) {
    auto stored = open_wal(store, name, options.codec);
    if (stored && same_content(*stored, *file)) {
      log::info("wal_e.worker.upload", {"WAL file is already archived with the same content",
                                         "The key is " + store.describe(key) + ".", {},
                                         {{"action", "push-wal"}, {"seg", name}, {"state", "complete"}}});
      return WalPushResult::AlreadyArchived;
    }
    throw Error(ErrorCode::Conflict, "WAL file " + name + " is already archived with different content",
                "The key is " + store.describe(key) + "; it was not overwritten.",
                "Another cluster may be archiving to the same prefix: give each cluster its own prefix.");
  }

  codec::CompressOptions copts;
  copts.lzop_mode = st.st_mode;
  copts.lzop_mtime = static_cast<std::uint32_t>(st.st_mtim.tv_sec);
  std::uint64_t compressed = 0;
  io::FilterSink sink(codec::make_compressor(options.codec, copts),
                      std::make_unique<io::CountingSink>(store.put(key), compressed));
  std::uint64_t bytes = io::copy(*file, sink);
  sink.finish();
  if (stored_bytes) *stored_bytes = compressed;

  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.2f", secs > 0 ? bytes / 1024.0 / secs : 0.0);
  log::info("wal_e.worker.upload", {"completed archiving to a file", {}, {},
                                     {{"action", "push-wal"}, {"key", store.describe(key)}, {"rate", rate},
                                      {"seg", name}, {"state", "complete"}}});
  return WalPushResult::Stored;
}

}  // namespace wale::archive
