#include "tar/tar_reader.h"

#include <cstring>

#include "core/error.h"
#include "tar/libarchive_support.h"

namespace wale::tar {
namespace {

constexpr std::size_t kReadChunk = 256 * 1024;

// libarchive's strings for an entry: the locale form (our scope makes that
// UTF-8), else the UTF-8 form, else nullptr.
const char* entry_string(const char* (*locale_form)(struct archive_entry*),
                         const char* (*utf8_form)(struct archive_entry*), struct archive_entry* e) {
  const char* s = locale_form(e);
  return s != nullptr ? s : utf8_form(e);
}

// libarchive's tar reader reports "<Field> can't be converted from UTF-8 to
// current locale." when a name is not valid UTF-8, and keeps the raw bytes.
bool is_charset_warning(struct archive* a) {
  const char* msg = archive_error_string(a);
  return msg != nullptr && std::strstr(msg, "can't be converted from") != nullptr;
}

}  // namespace

const char* to_string(Entry::Type type) noexcept {
  switch (type) {
    case Entry::Type::File: return "file";
    case Entry::Type::Directory: return "directory";
    case Entry::Type::Symlink: return "symbolic link";
    case Entry::Type::Hardlink: return "hard link";
    case Entry::Type::Other: return "special file";
  }
  return "unknown";
}

TarReader::TarReader(io::ByteSource& source) : source_(source), archive_(archive_read_new()), buffer_(kReadChunk) {
  if (!archive_) throw Error(ErrorCode::Internal, "could not create a tar reader: out of memory");
  detail::Utf8CtypeScope utf8;
  // Only tar (ustar, pax, gnutar, v7) and no decompression: codecs are our own layer.
  if (archive_read_support_format_tar(archive_.get()) != ARCHIVE_OK) {
    throw Error(ErrorCode::Internal,
                "could not set up the tar reader: " + detail::archive_message(archive_.get(), "libarchive failed"));
  }
}

void TarReader::open() {
  // archive_read_open() already reads the start of the stream to recognise the format.
  opened_ = true;
  if (archive_read_open(archive_.get(), this, nullptr, &TarReader::on_read, nullptr) != ARCHIVE_OK) {
    fail("not a tar stream");
  }
}

TarReader::~TarReader() {
  detail::Utf8CtypeScope utf8;
  archive_.reset();
}

ssize_t TarReader::on_read(struct archive*, void* self, const void** buffer) {
  auto* r = static_cast<TarReader*>(self);
  *buffer = r->buffer_.data();
  if (r->source_ended_) return 0;
  try {
    std::size_t n = r->source_.read(r->buffer_);
    if (n == 0) r->source_ended_ = true;
    r->source_bytes_ += n;
    return static_cast<ssize_t>(n);
  } catch (...) {
    // A C++ exception must not unwind through libarchive: keep it, fail the call, rethrow later.
    if (!r->source_error_) r->source_error_ = std::current_exception();
    return -1;
  }
}

void TarReader::fail(const std::string& what) {
  broken_ = true;
  in_entry_ = false;
  if (source_error_) std::rethrow_exception(source_error_);
  std::string msg = what + ": " + detail::archive_message(archive_.get(), "damaged tar data");
  if (!current_.empty()) msg += " (in member " + detail::quote_member(current_) + ")";
  throw Error(ErrorCode::Corrupt, msg, "After " + std::to_string(members_) + " tar members.");
}

void TarReader::drain_source() {
  while (!source_ended_) {
    std::size_t n = source_.read(buffer_);
    if (n == 0) source_ended_ = true;
    source_bytes_ += n;
  }
}

std::optional<Entry> TarReader::next() {
  if (broken_) throw Error(ErrorCode::Corrupt, "tar stream already failed");
  if (at_end_) return std::nullopt;
  detail::Utf8CtypeScope utf8;
  if (!opened_) open();
  in_entry_ = false;
  struct archive_entry* e = nullptr;
  int rc = archive_read_next_header(archive_.get(), &e);
  if (rc == ARCHIVE_EOF) {
    if (source_error_) fail("could not read the tar stream");
    // libarchive also reports EOF when the stream just stops at a header
    // boundary. A tar stream cut there lost members: demand the zero block.
    auto header_at = archive_read_header_position(archive_.get());
    if (source_ended_ && header_at >= 0 && static_cast<std::uint64_t>(header_at) >= source_bytes_) {
      broken_ = true;
      throw Error(ErrorCode::Corrupt, "truncated tar stream: it ends without an end-of-archive block",
                  "After " + std::to_string(members_) + " tar members.");
    }
    at_end_ = true;
    current_.clear();
    drain_source();
    return std::nullopt;
  }
  // ARCHIVE_RETRY (bad checksum), FAILED and FATAL are damage. So is almost
  // every ARCHIVE_WARN: libarchive warns and carries on with the plain ustar
  // fields when a PAX record is malformed, which would restore a file under a
  // wrong (truncated) name. The one benign warning is a name that is not
  // valid UTF-8: libarchive then keeps its raw bytes, which is what we want.
  if (rc == ARCHIVE_WARN && !is_charset_warning(archive_.get())) fail("damaged tar stream");
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) fail("damaged tar stream");

  Entry out;
  const char* path = entry_string(&archive_entry_pathname, &archive_entry_pathname_utf8, e);
  if (path == nullptr) fail("damaged tar stream: a member has no readable name");
  out.path = path;
  current_ = out.path;
  const char* hardlink = entry_string(&archive_entry_hardlink, &archive_entry_hardlink_utf8, e);
  if (hardlink != nullptr) {
    out.type = Entry::Type::Hardlink;
    out.link_target = hardlink;
  } else {
    switch (archive_entry_filetype(e)) {
      case AE_IFREG: out.type = Entry::Type::File; break;
      case AE_IFDIR: out.type = Entry::Type::Directory; break;
      case AE_IFLNK: {
        out.type = Entry::Type::Symlink;
        const char* target = entry_string(&archive_entry_symlink, &archive_entry_symlink_utf8, e);
        if (target == nullptr) fail("damaged tar stream: a symbolic link has no readable target");
        out.link_target = target;
        break;
      }
      default: out.type = Entry::Type::Other; break;
    }
  }
  out.mode = archive_entry_perm(e) & 07777;
  out.mtime = archive_entry_mtime(e);
  out.mtime_nsec = static_cast<std::int32_t>(archive_entry_mtime_nsec(e));
  la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
  if (size < 0) fail("damaged tar stream: negative member size");
  out.size = static_cast<std::uint64_t>(size);
  file_entry_ = out.type == Entry::Type::File;
  data_left_ = file_entry_ ? out.size : 0;
  in_entry_ = true;
  ++members_;
  return out;
}

std::size_t TarReader::read_data(std::span<std::byte> out) {
  if (broken_) throw Error(ErrorCode::Corrupt, "tar stream already failed");
  if (!in_entry_ || out.empty()) return 0;
  detail::Utf8CtypeScope utf8;
  la_ssize_t n = archive_read_data(archive_.get(), out.data(), out.size());
  if (n < 0) fail("damaged tar stream");
  if (source_error_) fail("could not read the tar stream");
  // A regular file's header size is the contract: its data is never returned short or long.
  if (n == 0) {
    in_entry_ = false;
    if (file_entry_ && data_left_ != 0) fail("damaged tar stream: a member's data is shorter than its header says");
  } else if (file_entry_) {
    if (static_cast<std::uint64_t>(n) > data_left_)
      fail("damaged tar stream: a member's data is longer than its header says");
    data_left_ -= static_cast<std::uint64_t>(n);
  }
  return static_cast<std::size_t>(n);
}

}  // namespace wale::tar
