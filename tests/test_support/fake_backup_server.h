// FakeBackupServer: a pg::BackupControl without PostgreSQL, and a small data
// directory to back up, so backup-push orchestration runs in unit tests.
//
// start() and stop() return WAL positions on timeline 1 (start in segment
// start_segno, stop in stop_segno); stop() also archives every segment from
// start to stop into `archive` (as archive_command would) unless
// archive_on_stop is false. Archived segments carry a long page header with
// wal_system_identifier (the data directory's unless changed). Counters say
// how often each call ran. One thread; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "codec/codec.h"
#include "pg/backup_control.h"
#include "store/object_store.h"

namespace wale::test {

inline constexpr std::uint64_t kFakeSystemIdentifier = 7311122233344455566ULL;

// Writes a WAL segment (the long page header naming `system_identifier`,
// then some bytes) into `store` under `name` with `codec`.
void archive_fake_segment(store::ObjectStore& store, const std::string& name, std::uint64_t system_identifier,
                          codec::Codec codec = codec::Codec::Zstd);

// Creates a small data directory at `dir` (PG_VERSION, global/pg_control
// naming `system_identifier`, relation files of several sizes, an empty
// file, a symlink-free tree, plus files a backup must leave out:
// postmaster.pid and a segment in pg_wal). Returns the relative paths of the
// files a restore must reproduce, with their contents.
std::map<std::string, std::string> make_fake_data_directory(const std::string& dir,
                                                            std::uint64_t system_identifier = kFakeSystemIdentifier);

class FakeBackupServer final : public pg::BackupControl {
 public:
  FakeBackupServer(store::ObjectStore& archive, std::string data_directory);

  pg::ServerInfo info;  // what server_info() returns; edit before the push
  std::uint64_t start_segno = 2;
  std::uint64_t stop_segno = 3;
  bool archive_on_stop = true;
  std::uint64_t wal_system_identifier = kFakeSystemIdentifier;
  codec::Codec wal_codec = codec::Codec::Zstd;
  std::function<void()> on_stop;  // runs first in stop()

  int starts = 0;
  int stops = 0;
  std::string label;  // the last start()'s label
  bool fast_checkpoint = false;

  pg::ServerInfo server_info() override { return info; }
  pg::BackupStart start(const std::string& label, bool fast_checkpoint, bool in_recovery,
                        std::uint64_t segment_size) override;
  pg::BackupStop stop() override;

  std::string start_file() const;
  std::string stop_file() const;

 private:
  store::ObjectStore& archive_;
};

}  // namespace wale::test
