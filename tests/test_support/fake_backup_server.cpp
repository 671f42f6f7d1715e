#include "test_support/fake_backup_server.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "io/filter_streams.h"
#include "layout/archive_layout.h"
#include "pg/wal_segment_header.h"

namespace wale::test {
namespace {

constexpr std::uint64_t kSegmentSize = pg::kDefaultSegmentSize;

void write_file(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("could not write " + path);
}

std::string pattern(std::size_t size, unsigned seed) {
  std::string s(size, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

}  // namespace

void archive_fake_segment(store::ObjectStore& store, const std::string& name, std::uint64_t system_identifier,
                          codec::Codec codec) {
  std::string bytes(8192, '\0');
  std::uint16_t magic = 0xD110, info = 0x0002;  // XLP_LONG_HEADER
  std::uint32_t tli = 1, seg_size = static_cast<std::uint32_t>(kSegmentSize);
  std::memcpy(bytes.data(), &magic, 2);
  std::memcpy(bytes.data() + 2, &info, 2);
  std::memcpy(bytes.data() + 4, &tli, 4);
  std::memcpy(bytes.data() + 24, &system_identifier, 8);
  std::memcpy(bytes.data() + 32, &seg_size, 4);
  io::FilterSink sink(codec::make_compressor(codec), store.put(layout::wal_key(name, codec)));
  sink.write(bytes);
  sink.finish();
}

std::map<std::string, std::string> make_fake_data_directory(const std::string& dir, std::uint64_t system_identifier) {
  std::map<std::string, std::string> files;
  std::string control = pattern(8192, 1);
  std::memcpy(control.data(), &system_identifier, sizeof system_identifier);
  files["PG_VERSION"] = "15\n";
  files["global/pg_control"] = control;
  files["global/1262"] = pattern(8192, 2);
  files["base/1/1259"] = pattern(24576, 3);
  files["base/1/1249"] = "";
  files["base/5/16384"] = pattern(40000, 4);  // larger than the tests' partition size
  files["base/5/16385"] = pattern(3000, 5);
  files["base/5/16386"] = pattern(9000, 6);
  files["postgresql.conf"] = "archive_mode = on\n";
  for (const auto& [rel, content] : files) write_file(dir + "/" + rel, content);
  // Left out of every backup.
  write_file(dir + "/postmaster.pid", "4242\n");
  write_file(dir + "/pg_wal/000000010000000000000001", pattern(4096, 7));
  std::filesystem::create_directories(dir + "/pg_wal/archive_status");
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  return files;
}

FakeBackupServer::FakeBackupServer(store::ObjectStore& archive, std::string data_directory) : archive_(archive) {
  info.version_num = 150004;
  info.version = "PostgreSQL 15.4 (fake)";
  info.data_directory = std::move(data_directory);
  info.segment_size = kSegmentSize;
  info.system_identifier = std::to_string(kFakeSystemIdentifier);
  info.in_recovery = false;
  info.archiving = true;
}

std::string FakeBackupServer::start_file() const { return pg::WalSegment{1, start_segno}.file_name(); }
std::string FakeBackupServer::stop_file() const { return pg::WalSegment{1, stop_segno}.file_name(); }

pg::BackupStart FakeBackupServer::start(const std::string& l, bool fast, bool /*in_recovery*/,
                                        std::uint64_t /*segment_size*/) {
  ++starts;
  label = l;
  fast_checkpoint = fast;
  pg::BackupStart s;
  s.lsn = pg::Lsn{start_segno * kSegmentSize + 0x28};
  s.timeline = 1;
  s.wal_file = start_file();
  s.wal_offset = 0x28;
  return s;
}

pg::BackupStop FakeBackupServer::stop() {
  if (on_stop) on_stop();
  if (starts == stops) throw Error(ErrorCode::Internal, "backup stop without start");
  ++stops;
  if (archive_on_stop) {
    for (std::uint64_t n = start_segno; n <= stop_segno; ++n) {
      archive_fake_segment(archive_, pg::WalSegment{1, n}.file_name(), wal_system_identifier, wal_codec);
    }
  }
  pg::BackupStop s;
  s.lsn = pg::Lsn{stop_segno * kSegmentSize + 0x100};
  s.wal_file = stop_file();
  s.wal_offset = 0x100;
  s.backup_label = "START WAL LOCATION: 0/" + std::to_string(start_segno) + "000028 (file " + start_file() +
                   ")\nCHECKPOINT LOCATION: 0/2000060\nBACKUP METHOD: streamed\nBACKUP FROM: primary\n"
                   "LABEL: " +
                   label + "\nSTART TIMELINE: 1\n";
  return s;
}

}  // namespace wale::test
