#include "io/write_behind.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <new>

#include "core/error.h"
#include "io/direct_io.h"

namespace wale::io {

WriteBehind::WriteBehind(std::size_t chunk, std::size_t buffers) : chunk_(chunk), buffer_count_(buffers) {
  if (chunk == 0 || chunk % kAlign != 0 || buffers == 0) {
    throw Error(ErrorCode::Internal, "WriteBehind needs a chunk size that is a multiple of 4096 and a buffer");
  }
}

WriteBehind::~WriteBehind() {
  {
    std::lock_guard lk(mu_);
    queue_.clear();  // closes the descriptors of files not yet written
    stopping_ = true;
  }
  cv_work_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WriteBehind::FileRef WriteBehind::adopt(UniqueFd fd, std::string where, bool direct) {
  auto file = std::make_shared<File>();
  file->fd = std::move(fd);
  file->where = std::move(where);
  // EINVAL: the file system does not do direct I/O; the page cache it is.
  file->direct = direct && set_direct(file->fd.get(), true);
  return file;
}

std::span<std::byte> WriteBehind::acquire() {
  std::unique_lock lk(mu_);
  if (free_.empty() && buffers_.size() < buffer_count_ && !error_) {
    buffers_.push_back(make_aligned_buffer(chunk_));
    free_.push_back(buffers_.back().get());
  }
  cv_done_.wait(lk, [&] { return !free_.empty() || error_; });
  rethrow_locked();
  std::byte* p = free_.back();
  free_.pop_back();
  return {p, chunk_};
}

void WriteBehind::write(const FileRef& file, std::span<std::byte> buffer, std::size_t size) {
  if (size > chunk_ || buffer.size() != chunk_) throw Error(ErrorCode::Internal, "WriteBehind: bad buffer");
  Job job;
  job.file = file;
  job.data = buffer.data();
  job.size = size;
  job.offset = file->next_offset;
  file->next_offset += size;
  submit(std::move(job));
}

void WriteBehind::give_back(std::span<std::byte> buffer) {
  {
    std::lock_guard lk(mu_);
    free_.push_back(buffer.data());
  }
  cv_done_.notify_all();
}

void WriteBehind::close(const FileRef& file, mode_t mode, const struct timespec& mtime) {
  Job job;
  job.file = file;
  job.mode = mode;
  job.mtime = mtime;
  submit(std::move(job));
}

void WriteBehind::submit(Job job) {
  {
    std::lock_guard lk(mu_);
    if (error_) {
      if (job.data != nullptr) free_.push_back(job.data);
      rethrow_locked();
    }
    queue_.push_back(std::move(job));
    if (!thread_.joinable()) start();
  }
  cv_work_.notify_one();
}

void WriteBehind::start() {
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void WriteBehind::drain() {
  std::unique_lock lk(mu_);
  cv_done_.wait(lk, [&] { return queue_.empty() && !busy_; });
  rethrow_locked();
}

void WriteBehind::release() {
  drain();
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_work_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lk(mu_);
  free_.clear();
  buffers_.clear();
}

std::uint64_t WriteBehind::direct_files() const {
  std::lock_guard lk(mu_);
  return direct_files_;
}

void WriteBehind::rethrow_locked() {
  if (error_) std::rethrow_exception(error_);
}

void WriteBehind::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_work_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    bool skip = error_ != nullptr;  // after a failure nothing more is written
    lk.unlock();
    std::exception_ptr failure;
    bool direct_file = false;
    if (!skip) {
      try {
        if (job.data != nullptr) {
          do_write(job);
        } else {
          direct_file = job.file->went_direct;
          do_close(job);
        }
      } catch (...) {
        failure = std::current_exception();
      }
    }
    std::byte* buffer = job.data;
    job.file.reset();  // the last reference closes a descriptor not closed yet
    lk.lock();
    if (failure && !error_) error_ = failure;
    if (buffer != nullptr) free_.push_back(buffer);
    if (direct_file && !failure) ++direct_files_;
    busy_ = false;
    cv_done_.notify_all();
  }
}

void WriteBehind::do_write(Job& job) {
  File& f = *job.file;
  const std::byte* p = job.data;
  std::size_t left = job.size;
  std::uint64_t offset = job.offset;
  while (left > 0) {
    // O_DIRECT wants aligned offsets and lengths: a file's tail goes through the page cache.
    if (f.direct && (left % kAlign != 0 || offset % kAlign != 0)) f.direct = !set_direct(f.fd.get(), false);
    if (f.direct && (left % kAlign != 0 || offset % kAlign != 0)) {
      throw_errno("could not switch off direct I/O for", f.where, errno);
    }
    ssize_t n = ::pwrite(f.fd.get(), p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EINVAL && f.direct) {  // refused after all: write through the page cache
        int err = errno;
        if (!set_direct(f.fd.get(), false)) throw_errno("could not write file", f.where, err);
        f.direct = false;
        continue;
      }
      throw_errno("could not write file", f.where, errno);
    }
    if (n == 0) throw_errno("could not write file", f.where, ENOSPC);
    if (f.direct) f.went_direct = true;
    p += n;
    left -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void WriteBehind::do_close(Job& job) {
  File& f = *job.file;
  if (::fchmod(f.fd.get(), job.mode) != 0) throw_errno("could not set the mode of", f.where, errno);
  struct timespec times[2] = {job.mtime, job.mtime};
  if (::futimens(f.fd.get(), times) != 0) throw_errno("could not set the time of", f.where, errno);
  int fd = f.fd.release();
  if (::close(fd) != 0 && errno != EINTR) throw_errno("could not close file", f.where, errno);
}

}  // namespace wale::io
