// PostgreSQL's backup manifest format (version 1), the file pg_verifybackup
// reads: one entry per file with its size, mtime and CRC-32C, the WAL range
// the backup needs, and a SHA-256 of the manifest itself.
//
// ManifestSource renders a manifest as a stream, one file at a time, so that
// a backup of a million files never holds its manifest text (about 160 bytes a
// file). ManifestBuilder collects files from many threads (add() is
// thread-safe) and renders the manifest once, through ManifestSource.
// parse_manifest() reads one back (ours or pg_basebackup's) and checks its own
// checksum; any malformed input (bad JSON, wrong field types, numbers out of
// range, a CRC32C checksum that is not 8 hex digits) throws Error{Corrupt,
// "backup manifest ..."} and nothing else. Its streaming form hands each file
// over as it is parsed and keeps none (the text is read in pieces too).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "io/byte_source.h"

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

// The manifest text, produced as it is read. `next` fills in the next file to
// list (in the order given) and returns false after the last; it is called
// from read() only. The same calls give the same bytes. Not thread-safe.
class ManifestSource final : public io::ByteSource {
 public:
  using Next = std::function<bool(ManifestFile&)>;
  ManifestSource(Next next, ManifestWalRange wal);
  ~ManifestSource() override;
  std::size_t read(std::span<std::byte> out) override;

 private:
  struct State;
  std::unique_ptr<State> s_;
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
// The same from a stream: each file goes to `on_file` as soon as it is parsed
// (files handed over before an error is thrown are not checked yet: discard
// them then). Returns the WAL ranges.
std::vector<ManifestWalRange> parse_manifest(io::ByteSource& in, const std::function<void(ManifestFile&&)>& on_file);

// "61a3120c": the CRC's bytes in memory (little-endian) order, as PostgreSQL prints them.
std::string manifest_crc_hex(std::uint32_t crc);

}  // namespace wale::layout
