// StallGuard: precise stall detection for one libcurl transfer.
#pragma once

#include <curl/curl.h>

#include <chrono>

namespace wale::store::s3 {

// Aborts a transfer that moved no byte (either direction) for `limit` while
// not paused: a precise stall detector (libcurl's own low-speed check averages
// over ~5 s first). install() sets CURLOPT_XFERINFOFUNCTION on a handle; the
// guard must outlive the transfer. Used by one transfer (one thread) at a time.
// It also aborts the transfer (within about a second: libcurl calls it at
// least that often) once the process StopToken is requested, setting
// `stopped`, unless `stoppable` is false (clean-up requests such as
// AbortMultipartUpload must still go through while stopping).
struct StallGuard {
  explicit StallGuard(std::chrono::milliseconds l) : limit(l) {}
  void install(CURL* h);
  void reset() { last = -1; }
  std::chrono::milliseconds limit;
  curl_off_t last = -1;
  std::chrono::steady_clock::time_point since{};
  bool paused = false;
  bool fired = false;
  bool stopped = false;
  bool stoppable = true;
};

}  // namespace wale::store::s3
