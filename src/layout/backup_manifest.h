// PostgreSQL's backup manifest format (version 1), the file pg_verifybackup
// reads: one entry per file with its size, mtime and CRC-32C, the WAL range
// the backup needs, and a SHA-256 of the manifest itself.
//
// ManifestBuilder collects files from many threads (add() is thread-safe) and
// renders the manifest once. parse_manifest() reads one back (ours or
// pg_basebackup's) and checks its own checksum; any malformed input (bad JSON,
// wrong field types, numbers out of range, a CRC32C checksum that is not 8 hex
// digits) throws Error{Corrupt, "backup manifest ..."} and nothing else.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace wale::layout {

struct ManifestFile {
  std::string path;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;
  std::optional<std::uint32_t> crc32c;
};

struct ManifestWalRange {
  std::uint32_t timeline = 1;
  std::string start_lsn;
  std::string end_lsn;
};

class ManifestBuilder {
 public:
  void add(ManifestFile file);
  // The manifest text, files sorted by path, ending with its checksum line.
  std::string render(const ManifestWalRange& wal) const;

 private:
  mutable std::mutex mu_;
  mutable std::vector<ManifestFile> files_;  // guarded by mu_; render() sorts it
};

struct Manifest {
  std::vector<ManifestFile> files;
  std::vector<ManifestWalRange> wal_ranges;
};
Manifest parse_manifest(const std::string& text);

// "61a3120c": the CRC's bytes in memory (little-endian) order, as PostgreSQL prints them.
std::string manifest_crc_hex(std::uint32_t crc);

}  // namespace wale::layout
