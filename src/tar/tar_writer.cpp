#include "tar/tar_writer.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>

#include "core/error.h"
#include "tar/libarchive_support.h"
#include "tar/member_path.h"

namespace wale::tar {
namespace {

constexpr std::size_t kCopyChunk = 256 * 1024;

std::string user_name(uid_t uid) {
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) return found->pw_name;
  return {};
}

std::string group_name(gid_t gid) {
  std::vector<char> buf(16384);
  struct group gr {};
  struct group* found = nullptr;
  if (::getgrgid_r(gid, &gr, buf.data(), buf.size(), &found) == 0 && found != nullptr) return found->gr_name;
  return {};
}

}  // namespace

TarOwner TarOwner::current_process() {
  TarOwner owner;
  owner.uid = ::geteuid();
  owner.gid = ::getegid();
  owner.uname = user_name(owner.uid);
  owner.gname = group_name(owner.gid);
  return owner;
}

TarWriter::TarWriter(io::ByteSink& sink) : TarWriter(sink, TarOwner::current_process()) {}

TarWriter::TarWriter(io::ByteSink& sink, TarOwner owner)
    : sink_(sink), owner_(std::move(owner)), archive_(archive_write_new()), buffer_(kCopyChunk) {
  if (!archive_) throw Error(ErrorCode::Internal, "could not create a tar writer: out of memory");
  detail::Utf8CtypeScope utf8;
  // "pax restricted": plain ustar unless a member needs an extended header.
  check(archive_write_set_format_pax_restricted(archive_.get()), "set the tar format");
  check(archive_write_set_bytes_per_block(archive_.get(), 10240), "set the record size");
  check(archive_write_open2(archive_.get(), this, nullptr, &TarWriter::on_write, nullptr, nullptr),
        "start the tar stream");
}

TarWriter::~TarWriter() {
  // archive_write_free() closes an open archive, which would flush buffered
  // data and end-of-archive blocks: an abandoned writer must not write them.
  discard_ = true;
  detail::Utf8CtypeScope utf8;
  archive_.reset();
}

ssize_t TarWriter::on_write(struct archive*, void* self, const void* buf, std::size_t len) {
  auto* w = static_cast<TarWriter*>(self);
  if (w->discard_) return static_cast<ssize_t>(len);
  try {
    w->sink_.write(std::span<const std::byte>(static_cast<const std::byte*>(buf), len));
    w->sink_bytes_ += len;
    return static_cast<ssize_t>(len);
  } catch (...) {
    // A C++ exception must not unwind through libarchive: keep it, fail the call, rethrow later.
    if (!w->sink_error_) w->sink_error_ = std::current_exception();
    return -1;
  }
}

void TarWriter::ensure_usable() const {
  if (broken_) throw Error(ErrorCode::Internal, "tar writer used after an earlier failure");
  if (finished_) throw Error(ErrorCode::Internal, "tar writer used after finish()");
}

void TarWriter::check(int rc, const std::string& what) {
  if (sink_error_) {
    broken_ = true;
    std::rethrow_exception(sink_error_);
  }
  if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN) return;  // WARN: e.g. a non-UTF-8 name stored as raw bytes
  broken_ = true;
  throw Error(ErrorCode::Internal,
              "could not " + what + ": " + detail::archive_message(archive_.get(), "libarchive failed"));
}

detail::EntryPtr TarWriter::make_entry(const std::string& name, unsigned int type, mode_t mode,
                                       std::int64_t mtime) const {
  detail::EntryPtr e(archive_entry_new());
  if (!e) throw Error(ErrorCode::Internal, "could not create a tar header: out of memory");
  archive_entry_copy_pathname(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), type);
  archive_entry_set_perm(e.get(), mode & 07777);
  archive_entry_set_mtime(e.get(), static_cast<time_t>(mtime), 0);
  archive_entry_set_uid(e.get(), owner_.uid);
  archive_entry_set_gid(e.get(), owner_.gid);
  if (!owner_.uname.empty()) archive_entry_copy_uname(e.get(), owner_.uname.c_str());
  if (!owner_.gname.empty()) archive_entry_copy_gname(e.get(), owner_.gname.c_str());
  return e;
}

void TarWriter::write_header(struct archive_entry* entry, const std::string& name) {
  check(archive_write_header(archive_.get(), entry), "write the tar header of " + detail::quote_member(name));
}

void TarWriter::add_directory(const std::string& name, mode_t mode, std::int64_t mtime) {
  ensure_usable();
  if (!is_writable_name(name, true)) {
    throw Error(ErrorCode::Internal, "invalid tar member name " + detail::quote_member(name));
  }
  detail::Utf8CtypeScope utf8;
  auto e = make_entry(name, AE_IFDIR, mode, mtime);
  write_header(e.get(), name);
}

void TarWriter::add_symlink(const std::string& name, const std::string& target, mode_t mode, std::int64_t mtime) {
  ensure_usable();
  if (!is_writable_name(name, false)) {
    throw Error(ErrorCode::Internal, "invalid tar member name " + detail::quote_member(name));
  }
  if (target.empty() || target.find('\0') != std::string::npos) {
    throw Error(ErrorCode::Internal, "invalid symbolic link target for tar member " + detail::quote_member(name));
  }
  detail::Utf8CtypeScope utf8;
  auto e = make_entry(name, AE_IFLNK, mode, mtime);
  archive_entry_copy_symlink(e.get(), target.c_str());
  write_header(e.get(), name);
}

std::uint64_t TarWriter::add_file(const std::string& name, mode_t mode, std::int64_t mtime, std::uint64_t declared_size,
                                  io::ByteSource& content) {
  ensure_usable();
  if (!is_writable_name(name, false)) {
    throw Error(ErrorCode::Internal, "invalid tar member name " + detail::quote_member(name));
  }
  detail::Utf8CtypeScope utf8;
  auto e = make_entry(name, AE_IFREG, mode, mtime);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(declared_size));
  write_header(e.get(), name);

  std::uint64_t left = declared_size;
  std::uint64_t taken = 0;
  bool source_ended = false;
  while (left > 0) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer_.size()));
    std::span<std::byte> chunk(buffer_.data(), want);
    std::size_t got = 0;
    if (!source_ended) {
      try {
        got = content.read(chunk);  // never asks for more than declared_size in total
      } catch (...) {
        broken_ = true;  // the member is half written
        throw;
      }
      if (got == 0) source_ended = true;
      taken += got;
    }
    if (source_ended) {  // the file shrank: NUL-pad to the declared size
      std::fill(chunk.begin(), chunk.end(), std::byte{0});
      got = want;
    }
    la_ssize_t n = archive_write_data(archive_.get(), buffer_.data(), got);
    if (n < 0 || static_cast<std::size_t>(n) != got) {
      check(n < 0 ? static_cast<int>(n) : ARCHIVE_FATAL, "write the data of " + detail::quote_member(name));
      broken_ = true;
      throw Error(ErrorCode::Internal, "short tar data write for " + detail::quote_member(name));
    }
    left -= got;
  }
  check(archive_write_finish_entry(archive_.get()), "finish tar member " + detail::quote_member(name));
  return taken;
}

void TarWriter::finish() {
  ensure_usable();
  detail::Utf8CtypeScope utf8;
  check(archive_write_close(archive_.get()), "write the end of the tar archive");
  finished_ = true;
}

std::uint64_t TarWriter::bytes_written() const {
  if (finished_ || !archive_) return sink_bytes_;
  la_int64_t produced = archive_filter_bytes(archive_.get(), 0);
  return std::max<std::uint64_t>(sink_bytes_, produced > 0 ? static_cast<std::uint64_t>(produced) : 0);
}

}  // namespace wale::tar
