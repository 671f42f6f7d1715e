// WriteBehind: writes files on a background thread while the caller
// produces their data (backup-fetch decompresses and parses tar on its
// thread; the write(2)s, which cost as much again, run on this one).
//
// Usage, per file: open it yourself, then `auto f = wb.adopt(fd, where,
// direct)`; fill buffers from acquire() and hand each to write() (in file
// order, each full chunk but the file's last); then close(f, mode, mtime).
// Jobs run in submission order on one thread, so a file's data is written
// before its mode and mtime are set and it is closed (ownership of the
// descriptor passes to the WriteBehind at adopt()).
//
// Direct I/O: with `direct`, the file is switched to O_DIRECT (fcntl) and
// whole chunks are written around the page cache: no copy into the kernel and
// no dirty pages for the writeback to chase (restores run at device speed).
// Buffers are aligned (kAlign) and chunks are multiples of kAlign; a file's
// last, partial chunk is written after O_DIRECT is switched off again. When
// the file system refuses O_DIRECT (EINVAL at fcntl or at the first write),
// the file is written through the page cache instead: same bytes.
// Durability is the caller's business either way (WriteBehind never fsyncs:
// backup-fetch calls syncfs once at the end, which also commits the metadata
// of direct writes).
//
// Errors: the first failure of the thread (Error{Io} naming the file) is
// sticky: the next acquire(), write(), close() or drain() on the caller's
// thread throws it, later files are not written (their descriptors are
// closed). The destructor discards queued work, closes every descriptor and
// joins the thread; it never throws.
// Memory: `buffers` buffers of `chunk` bytes, allocated on first use and
// freed by release(); acquire() blocks while all are queued or being written,
// so the producer never runs more than `buffers` chunks ahead.
// Thread safety: one producer thread calls every method.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "io/direct_io.h"
#include "io/unique_fd.h"

namespace wale::io {

class WriteBehind {
 public:
  static constexpr std::size_t kAlign = kDirectAlign;

  // chunk: a multiple of kAlign. buffers: at least 1.
  WriteBehind(std::size_t chunk, std::size_t buffers);
  ~WriteBehind();
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  struct File;
  using FileRef = std::shared_ptr<File>;

  // Takes ownership of `fd` (open for writing, at offset 0). `where` names it in errors.
  FileRef adopt(UniqueFd fd, std::string where, bool direct);

  // A free buffer of chunk() bytes (blocks until one is free).
  std::span<std::byte> acquire();
  // Queues buffer (from acquire()) holding `size` bytes for the file's next
  // offset. Every chunk of a file but its last must be full (chunk() bytes).
  void write(const FileRef& file, std::span<std::byte> buffer, std::size_t size);
  // Returns a buffer from acquire() unused.
  void give_back(std::span<std::byte> buffer);
  // Queues: set the mode and times, close. The FileRef is spent.
  void close(const FileRef& file, mode_t mode, const struct timespec& mtime);

  // Waits until everything queued is done; throws the first failure.
  void drain();
  // drain(), then frees the buffers and stops the thread (started again when needed).
  void release();

  std::size_t chunk() const { return chunk_; }
  // Files of which at least one chunk went around the page cache (for tests).
  std::uint64_t direct_files() const;

 private:
  struct Job {
    FileRef file;
    std::byte* data = nullptr;  // nullptr: close the file
    std::size_t size = 0;
    std::uint64_t offset = 0;
    mode_t mode = 0;
    struct timespec mtime {};
  };

  void start();
  void run();
  void do_write(Job& job);
  void do_close(Job& job);
  void submit(Job job);
  void rethrow_locked();

  const std::size_t chunk_;
  const std::size_t buffer_count_;
  std::vector<AlignedBuffer> buffers_;

  mutable std::mutex mu_;  // guards everything below (the condition variables wait on it)
  std::condition_variable cv_work_, cv_done_;
  std::deque<Job> queue_;
  std::vector<std::byte*> free_;
  bool busy_ = false;  // the thread is running a job
  bool stopping_ = false;
  std::exception_ptr error_;
  std::uint64_t direct_files_ = 0;
  std::thread thread_;
};

struct WriteBehind::File {
  UniqueFd fd;
  std::string where;
  bool direct = false;            // O_DIRECT is (still) on
  bool went_direct = false;       // a chunk was written with O_DIRECT
  std::uint64_t next_offset = 0;  // producer side: where the next write() goes
};

}  // namespace wale::io
