// Turning S3 failures into wale::Error: which are retryable (Transient) and
// which fail at once (Remote/Config) with a one-line message that names the
// bucket and key and the likely cause. Pure functions; thread-safe.
// Messages never contain credentials (only the error code, status and location).
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace wale::store::s3 {

// True for HTTP replies worth retrying: 5xx, 429, 408, and S3 codes SlowDown,
// RequestTimeout, InternalError, ServiceUnavailable, and payload damaged in
// transit (BadDigest, XAmzContentSHA256Mismatch, IncompleteBody).
bool is_retryable_http(long status, std::string_view s3_code) noexcept;

// True for libcurl results worth retrying (connection refused/reset, timeouts,
// partial transfers, send/receive errors, empty replies).
bool is_retryable_curl(int curl_code) noexcept;

// `location` is "s3://bucket/key" (or "s3://bucket" for bucket requests);
// `operation` is e.g. "PUT", "GET", "ListObjectsV2".
Error http_error(long status, std::string_view s3_code, std::string_view s3_message, std::string_view operation,
                 std::string_view location, std::string_view bucket);
Error curl_error(int curl_code, std::string_view curl_message, std::string_view operation, std::string_view location);

}  // namespace wale::store::s3
