#include "store/s3/stall_guard.h"

#include "core/stop_token.h"

namespace wale::store::s3 {
namespace {

int on_progress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* g = static_cast<StallGuard*>(user);
  if (g->stoppable && stop_requested()) {
    g->stopped = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK; the caller throws the stop error (never retried)
  }
  auto now = std::chrono::steady_clock::now();
  curl_off_t moved = dlnow + ulnow;
  if (g->paused || moved != g->last) {
    g->last = moved;
    g->since = now;
    return 0;
  }
  if (now - g->since >= g->limit) {
    g->fired = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

}  // namespace

void StallGuard::install(CURL* h) {
  last = -1;
  fired = false;
  stopped = false;
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, this);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
}

}  // namespace wale::store::s3
