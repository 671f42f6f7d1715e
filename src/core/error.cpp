#include "core/error.h"

#include <cstring>

namespace wale {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::Usage: return "usage";
    case ErrorCode::Config: return "config";
    case ErrorCode::NotFound: return "not-found";
    case ErrorCode::Conflict: return "conflict";
    case ErrorCode::Corrupt: return "corrupt";
    case ErrorCode::Io: return "io";
    case ErrorCode::Transient: return "transient";
    case ErrorCode::Remote: return "remote";
    case ErrorCode::Postgres: return "postgres";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Internal: return "internal";
  }
  return "unknown";
}

bool is_retryable(ErrorCode code) noexcept { return code == ErrorCode::Transient; }

Error::Error(ErrorCode code, std::string message, std::string detail, std::string hint)
    : std::runtime_error(message),
      code_(code),
      message_(std::move(message)),
      detail_(std::move(detail)),
      hint_(std::move(hint)) {}

void throw_errno(const std::string& what, const std::string& path, int errno_value) {
  ErrorCode code = ErrorCode::Io;
  if (errno_value == ENOENT) code = ErrorCode::NotFound;
  throw Error(code, what + ": " + std::strerror(errno_value),
              path.empty() ? std::string{} : "The path is \"" + path + "\".");
}

}  // namespace wale
