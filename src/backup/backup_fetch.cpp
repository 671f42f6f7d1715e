#include "backup/backup_fetch.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "backup/progress.h"
#include "catalog/backup_catalog.h"
#include "codec/codec.h"
#include "codec/crc32c.h"
#include "codec/frame_checksum_guard.h"
#include "core/error.h"
#include "core/log.h"
#include "core/stop_token.h"
#include "exec/task_group.h"
#include "io/file_streams.h"
#include "io/filter_streams.h"
#include "io/memory_streams.h"
#include "layout/backup_manifest.h"
#include "layout/spool_layout.h"
#include "tar/safe_extractor.h"
#include "tar/tar_reader.h"

namespace wale::backup {
namespace {

const char* kLogger = "wal_e.operator.backup";

std::string strip_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// layout::kRestoreInProgressMarker is present in the target (and each
// tablespace directory) while a restore is in progress; removed last. A rerun
// that finds it knows why the directory is not empty. global/pg_control is
// extracted as global/<kRestoreControlTemp> and renamed into place last:
// until then the target is not a data directory PostgreSQL would start.
constexpr const char* kControlFile = layout::kRestoreControlMember;
constexpr const char* kInProgressMarker = layout::kRestoreInProgressMarker;
constexpr const char* kControlTemp = layout::kRestoreControlTemp;

// Absent -> created (true). Existing empty directory -> false. Otherwise throws.
bool prepare_empty_dir(const std::string& dir, const std::string& what) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) throw_errno("could not stat " + what, dir, errno);
    io::make_dirs(dir, 0700);
    return true;
  }
  if (!S_ISDIR(st.st_mode)) throw Error(ErrorCode::Usage, what + " \"" + dir + "\" is not a directory");
  if (::access((dir + "/postmaster.pid").c_str(), F_OK) == 0) {
    throw Error(ErrorCode::Usage, "attempting to overwrite a live data directory", "The directory is \"" + dir + "\".",
                "Stop the server and restore into an empty directory.");
  }
  if (::access((dir + "/" + kInProgressMarker).c_str(), F_OK) == 0) {
    throw Error(ErrorCode::Conflict, "a previous backup-fetch into " + what + " \"" + dir + "\" did not finish",
                "It was interrupted before it could clean up (" + std::string(kInProgressMarker) +
                    " is still there); the directory holds an incomplete restore without global/pg_control.",
                "Remove its contents (including hidden files) and run backup-fetch again.");
  }
  std::error_code ec;
  if (!std::filesystem::is_empty(dir, ec)) {
    throw Error(ErrorCode::Usage, what + " \"" + dir + "\" is not empty", {},
                "Restore into an empty or absent directory; wal-e never overwrites existing files.");
  }
  return false;
}

// Opens (creating if absent) the directory `rel` below the directory `root_fd`,
// never following a symbolic link: a restored tree may hold links placed by its
// tar members, and nothing may be created through them outside the target.
io::UniqueFd open_dir_nofollow(int root_fd, const std::string& rel, const std::string& target) {
  io::UniqueFd cur(::dup(root_fd));
  std::size_t start = 0;
  while (start < rel.size()) {
    std::size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string part = rel.substr(start, end - start);
    start = end + 1;
    if (part.empty()) continue;
    int fd = ::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      if (::mkdirat(cur.get(), part.c_str(), 0700) != 0 && errno != EEXIST) {
        throw_errno("could not create directory", target + "/" + rel, errno);
      }
      fd = ::openat(cur.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        throw Error(ErrorCode::Corrupt, "restored \"" + rel + "\" is a symbolic link or not a directory",
                    "The backup's tar members made it so; refusing to write through it.");
      }
      throw_errno("could not open directory", target + "/" + rel, errno);
    }
    cur.reset(fd);
  }
  return cur;
}

// Removes everything in dir, the in-progress marker last (an interruption of
// the clean-up still leaves the marker that explains the leftovers).
void empty_dir(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().filename() != kInProgressMarker) std::filesystem::remove_all(e.path(), ec);
  }
  ::unlink((dir + "/" + kInProgressMarker).c_str());
}

void write_marker(const std::string& dir, const std::string& backup) {
  io::AtomicFileSink marker(dir + "/" + kInProgressMarker);
  marker.write("backup-fetch of " + backup + " by process " + std::to_string(::getpid()) +
               " in progress; if no such process runs, it was interrupted: empty this directory.\n");
  marker.finish();
}

using Partition = catalog::PartitionObject;

// Every partition, numbered without gaps and as many as the sentinel says.
std::vector<Partition> checked_partitions(store::ObjectStore& store, const catalog::BackupInfo& info) {
  auto parts = catalog::list_partitions(store, info.name, [&](const std::string& key) {
    log::warning(kLogger,
                 {"skipping an unexpected object in a backup", "The key is " + store.describe(key) + ".", {}, {}});
  });
  if (parts.empty()) {
    throw Error(ErrorCode::Corrupt, "backup " + info.name.str() + " has no tar partitions",
                "Looked under " + store.describe(layout::partitions_prefix(info.name)) + ".");
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].number != i) {
      throw Error(ErrorCode::Corrupt, "backup " + info.name.str() + " is missing tar partition " + std::to_string(i),
                  "Looked under " + store.describe(layout::partitions_prefix(info.name)) + ".");
    }
  }
  if (info.sentinel && info.sentinel->partition_count && *info.sentinel->partition_count != parts.size()) {
    throw Error(ErrorCode::Corrupt, "backup " + info.name.str() + " has " + std::to_string(parts.size()) +
                                        " tar partitions, its sentinel says " +
                                        std::to_string(*info.sentinel->partition_count));
  }
  return parts;
}

// Uncompressed partitions carry no stream checksum: check the restored files
// against the backup's manifest instead (compressed ones were checked by
// their codec while streaming).
void check_against_manifest(store::ObjectStore& store, const catalog::BackupInfo& info, const std::string& target,
                            const std::vector<tar::TablespaceMapping>& mappings) {
  auto text = store::get_bytes(store, layout::backup_manifest_key(info.name));
  if (!text) return;
  layout::Manifest manifest = layout::parse_manifest(*text);
  for (const auto& f : manifest.files) {
    std::string path = target + "/" + f.path;
    if (f.path == kControlFile) path = target + "/global/" + kControlTemp;  // renamed into place last
    for (const auto& m : mappings) {
      if (f.path.rfind(m.tar_prefix + "/", 0) == 0) path = m.dest_dir + f.path.substr(m.tar_prefix.size());
    }
    auto src = io::open_file_source(path);
    if (!src) throw Error(ErrorCode::Corrupt, "restored file " + f.path + " is missing", "The manifest lists it.");
    auto sum = codec::crc32c_of_stream([&](std::span<std::byte> buf) { return src->read(buf); });
    if (sum.size != f.size || (f.crc32c && *f.crc32c != sum.crc)) {
      throw Error(ErrorCode::Corrupt, "restored file " + f.path + " does not match the backup's manifest",
                  "Its size or checksum differs: the stored backup is damaged.",
                  "Run backup-verify to see every problem; restore another backup.");
    }
  }
}

layout::Spec choose_spec(const BackupFetchOptions& opts, const layout::Spec& stored) {
  if (opts.restore_spec.empty() || opts.restore_spec == "SOURCE") return stored;
  std::ifstream in(opts.restore_spec);
  if (!in) throw Error(ErrorCode::Usage, "could not read restore spec \"" + opts.restore_spec + "\"");
  std::stringstream ss;
  ss << in.rdbuf();
  layout::Spec given = layout::parse_spec(ss.str());
  // Merge: the file's locations win for the tablespaces it names.
  layout::Spec merged = stored;
  for (auto& t : merged.tablespaces) {
    for (const auto& g : given.tablespaces) {
      if (g.oid == t.oid && !g.loc.empty()) t.loc = g.loc;
    }
  }
  return merged;
}

// The decompressed stream of tar partition `key`. Integrity of what is
// downloaded: a decompressor that checks every decoded byte against the
// stream's own checksum (lz4, zstd) makes the store's digest of the same bytes
// redundant (S3: an MD5 of every byte); otherwise the store keeps it. A
// partition written without content checksums (not by wal-e: `lz4
// --no-frame-crc`, other tools) is read again with the store's check.
// Throws Error{Corrupt} if the partition is gone.
io::FilterSource open_partition(store::ObjectStore& store, const std::string& key) {
  const codec::Codec codec = codec::codec_from_key(key);
  auto vanished = [&] {
    return Error(ErrorCode::Corrupt, "tar partition vanished during restore",
                 "The key is " + store.describe(key) + ".");
  };
  if (auto decoder = codec::make_verifying_decompressor(codec)) {
    auto raw = store.get_verified_by_reader(key);
    if (!raw) throw vanished();
    std::vector<std::byte> head(codec::kFrameHeadSize);
    head.resize(io::read_full(*raw, head));
    if (codec::starts_with_checksummed_frame(codec, head)) {
      return io::FilterSource(std::move(decoder),
                              std::make_unique<io::PrefixedSource>(std::move(head), std::move(raw)));
    }
  }
  auto raw = store.get(key);
  if (!raw) throw vanished();
  return io::FilterSource(codec::make_decompressor(codec), std::move(raw));
}

}  // namespace

BackupFetchResult backup_fetch(store::ObjectStore& store, const BackupFetchOptions& opts) {
  std::string target = strip_slash(opts.target);
  if (target.empty() || target.front() != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) throw_errno("could not get the current directory", "", errno);
    target = strip_slash(std::string(cwd) + "/" + target);
  }
  auto started = std::chrono::steady_clock::now();
  catalog::BackupInfo info = catalog::resolve_backup(store, opts.query);
  auto parts = checked_partitions(store, info);
  layout::Spec spec = choose_spec(opts, info.sentinel ? info.sentinel->spec : layout::Spec{});

  prepare_empty_dir(target, "target directory");
  ::chmod(target.c_str(), 0700);
  std::vector<tar::TablespaceMapping> mappings;
  std::vector<std::string> created_tablespaces, existing_tablespaces;
  BackupFetchResult result{info.name.str(), 0, 0};
  try {
    write_marker(target, info.name.str());
    if (!opts.blind_restore) {
      for (const auto& t : spec.tablespaces) {
        std::string loc = strip_slash(t.loc);
        if (loc.empty() || loc.front() != '/') {
          throw Error(ErrorCode::Usage, "tablespace " + t.oid + " has no absolute location in the spec", {},
                      "Give one with --restore-spec FILE, or use --blind-restore.");
        }
        if (prepare_empty_dir(loc, "tablespace directory")) created_tablespaces.push_back(loc);
        else existing_tablespaces.push_back(loc);
        ::chmod(loc.c_str(), 0700);
        write_marker(loc, info.name.str());
        mappings.push_back(tar::TablespaceMapping{t.link.empty() ? "pg_tblspc/" + t.oid : t.link, loc});
      }
    }
    // Partitions hold disjoint files: each is downloaded, decompressed and
    // extracted by its own worker with its own extractor. The largest go
    // first, so that no big one is left to run alone at the end while the
    // other workers idle (partition numbers follow the data directory's
    // order, not the sizes: a 1 GiB relation segment may come last).
    std::vector<std::size_t> order(parts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return parts[a].size > parts[b].size; });
    // Extractors are reused from partition to partition: each holds a
    // descriptor of the target and of every tablespace directory until
    // finish() (with the directory modes it applies then), so one per
    // partition ran out of open files on a large backup (~1000 partitions
    // for 1 TiB; the usual limit is 1024). As many exist as partitions run at once.
    std::mutex extractors_mu;  // guards extractors and idle while partitions are restored
    std::vector<std::unique_ptr<tar::SafeExtractor>> extractors;
    std::vector<tar::SafeExtractor*> idle;
    auto new_extractor = [&] {
      auto ex = std::make_unique<tar::SafeExtractor>(target, mappings);
      ex->rename_member(kControlFile, kControlTemp);
      ex->use_direct_io(true);
      return ex;
    };
    auto take_extractor = [&] {
      std::lock_guard lock(extractors_mu);
      if (idle.empty()) {
        extractors.push_back(new_extractor());
        return extractors.back().get();
      }
      tar::SafeExtractor* ex = idle.back();
      idle.pop_back();
      return ex;
    };
    {
      std::uint64_t expected =
          info.sentinel && info.sentinel->expanded_size_bytes ? *info.sentinel->expanded_size_bytes : 0;
      Progress progress("backup-fetch " + info.name.str(), expected, opts.show_progress);
      exec::TaskGroup group(std::max(1u, opts.pool_size));
      for (std::size_t i : order) {
        group.run([&, i] {
          const auto& part = parts[i];
          io::FilterSource source = open_partition(store, part.key);
          tar::TarReader reader(source);
          tar::SafeExtractor* ex = take_extractor();
          try {
            while (auto entry = reader.next()) {
              std::uint64_t before = ex->bytes_written();
              ex->extract_entry(*entry, reader);
              progress.add(ex->bytes_written() - before);
            }
            ex->flush();
          } catch (const Error& e) {
            throw Error(e.code(), e.message(), "While restoring " + store.describe(part.key) + ". " + e.detail(),
                        e.hint());
          }
          {
            std::lock_guard lock(extractors_mu);
            idle.push_back(ex);
          }
          log::info(kLogger, {"finished restoring a tar partition",
                              {},
                              {},
                              {{"backup", info.name.str()}, {"partition", std::to_string(part.number)}}});
        });
      }
      group.wait();
    }
    if (extractors.empty()) extractors.push_back(new_extractor());  // finish() below syncs through one
    std::uint64_t files_written = 0;
    for (const auto& ex : extractors) files_written += ex->files_written();
    // Directories PostgreSQL needs that a backup holds empty or not at all.
    io::UniqueFd root(::open(target.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root) throw_errno("could not open directory", target, errno);
    for (const char* d : {"pg_wal", "pg_wal/archive_status", "pg_replslot", "pg_stat_tmp", "pg_tblspc", "pg_notify",
                          "pg_serial", "pg_snapshots", "pg_subtrans", "pg_dynshmem"}) {
      open_dir_nofollow(root.get(), d, target);
    }
    for (const auto& m : mappings) {
      // The link's parent (pg_tblspc) is opened without following links; the
      // link itself is replaced, never followed.
      std::string parent = m.tar_prefix.substr(0, m.tar_prefix.find_last_of('/'));
      std::string name = m.tar_prefix.substr(m.tar_prefix.find_last_of('/') + 1);
      io::UniqueFd dir = open_dir_nofollow(root.get(), parent, target);
      struct stat st {};
      if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode)) ::unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR);
        else ::unlinkat(dir.get(), name.c_str(), 0);
      }
      if (::symlinkat(m.dest_dir.c_str(), dir.get(), name.c_str()) != 0) {
        throw_errno("could not create tablespace link", target + "/" + m.tar_prefix, errno);
      }
    }
    // tablespace_map names the original locations; the links (or, with
    // --blind-restore, directories) in pg_tblspc already are where the data
    // went, and PostgreSQL would otherwise re-point the links at the originals.
    if (::unlinkat(root.get(), "tablespace_map", 0) != 0 && errno != ENOENT) {
      throw_errno("could not remove tablespace_map", target, errno);
    }
    if (info.sentinel && info.sentinel->file_count && *info.sentinel->file_count != files_written) {
      throw Error(ErrorCode::Corrupt,
                  "backup " + info.name.str() + " restored " + std::to_string(files_written) +
                      " files, its sentinel says " + std::to_string(*info.sentinel->file_count),
                  "A tar partition is shorter than when it was written.");
    }
    bool uncompressed = std::any_of(parts.begin(), parts.end(), [](const Partition& p) {
      return codec::codec_from_key(p.key) == codec::Codec::None;
    });
    if (uncompressed) check_against_manifest(store, info, target, mappings);
    // Directory modes, then one sync of each file system: files are made
    // durable here, before the command reports success, not one fsync each.
    throw_if_stopped();
    for (std::size_t i = 0; i < extractors.size(); ++i) extractors[i]->finish(/*sync=*/i + 1 == extractors.size());
    throw_if_stopped();
    // Everything else is written, checked and durable: only now does the
    // target become a data directory PostgreSQL would start.
    {
      io::UniqueFd global = open_dir_nofollow(root.get(), "global", target);
      if (::renameat(global.get(), kControlTemp, global.get(), "pg_control") != 0 && errno != ENOENT) {
        throw_errno("could not rename global/pg_control into place", target + "/global/pg_control", errno);
      }
      if (::fsync(global.get()) != 0) throw_errno("could not fsync directory", target + "/global", errno);
    }
    for (const auto& m : mappings) ::unlink((m.dest_dir + "/" + kInProgressMarker).c_str());
    for (const auto& m : mappings) io::fsync_dir(m.dest_dir);
    if (::unlinkat(root.get(), kInProgressMarker, 0) != 0)
      throw_errno("could not remove", target + "/" + kInProgressMarker, errno);
    io::fsync_dir(target);
    result.files = files_written;
    for (const auto& ex : extractors) {
      result.bytes += ex->bytes_written();
      result.direct_files += ex->direct_files();
    }
  } catch (const std::exception& e) {
    // The target and tablespace directories were empty or absent before:
    // empty them again (pre-existing ones are kept, empty).
    for (const auto& loc : existing_tablespaces) empty_dir(loc);
    for (const auto& loc : created_tablespaces) {
      empty_dir(loc);
      std::filesystem::remove_all(loc);
    }
    empty_dir(target);
    const auto* err = dynamic_cast<const Error*>(&e);
    if (err != nullptr && err->code() == ErrorCode::Cancelled) {
      throw Error(ErrorCode::Cancelled, err->message(),
                  "The unfinished restore was removed from \"" + target + "\" (it is empty again).",
                  "Run backup-fetch again to restore.");
    }
    throw;
  }
  log::info(kLogger,
            {"backup restored",
             {},
             {},
             {{"backup", info.name.str()},
              {"bytes", std::to_string(result.bytes)},
              {"duration_s",
               std::to_string(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count())},
              {"files", std::to_string(result.files)},
              {"files_direct_io", std::to_string(result.direct_files)},
              {"target", target}}});
  return result;
}

}  // namespace wale::backup
