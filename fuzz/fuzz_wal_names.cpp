// Fuzzes the parsers of WAL file names, WAL locations, WAL segment headers,
// backup names and archive keys (pg/lsn.h, pg/wal_segment_header.h,
// layout/archive_layout.h) and the strict number parser (core/number.h).
// Properties: what parses prints back as the same text; parsers return
// nullopt or throw wale::Error, nothing else.
#include <string>

#include "core/error.h"
#include "core/number.h"
#include "fuzz_support.h"
#include "layout/archive_layout.h"
#include "pg/lsn.h"
#include "pg/wal_segment_header.h"

namespace {

std::string strip_zeros(std::string_view s) {
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  return std::string(s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view s = wale::fuzz::text(data, size);
  using namespace wale;

  // Segment sizes PostgreSQL allows: powers of two from 1 MiB to 1 GiB.
  std::uint64_t segment_size = 1ULL << (20 + (size ? data[0] % 11 : 4));
  if (auto seg = pg::WalSegment::parse(s, segment_size)) {
    WALE_FUZZ_CHECK(seg->file_name() == s);
    WALE_FUZZ_CHECK(pg::WalSegment::from_lsn(seg->timeline, seg->start_lsn(), segment_size) == *seg);
    WALE_FUZZ_CHECK(pg::classify_wal_file(s) == pg::WalFileKind::Segment);
  }
  pg::classify_wal_file(s);
  try {
    auto lsn = pg::Lsn::parse(s);
    WALE_FUZZ_CHECK(pg::Lsn::parse(lsn.to_string()) == lsn);
  } catch (const Error&) {
  }
  pg::parse_wal_segment_header(fuzz::bytes(data, size));

  if (auto name = layout::BackupName::parse(s)) {
    WALE_FUZZ_CHECK(name->str() == s);
    WALE_FUZZ_CHECK(layout::backup_from_sentinel_key(layout::sentinel_key(*name)) == name);
  }
  layout::backup_from_sentinel_key(s);
  if (auto wal = layout::wal_name_from_key(s)) {
    WALE_FUZZ_CHECK(layout::wal_key(*wal, codec::codec_from_key(s)) == s);
  }
  layout::partition_number(s);
  try {
    layout::BackupQuery::parse(s);
  } catch (const Error&) {
  }

  if (auto n = to_uint64(s)) WALE_FUZZ_CHECK(std::to_string(*n) == strip_zeros(s));
  to_uint64(s, 16);
  try {
    parse_byte_count(s, "fuzz", 1, 1ULL << 40, ErrorCode::Config);
  } catch (const Error&) {
  }
  return 0;
}
