// Parsers for the few S3 XML documents the driver reads, on expat.
// Namespaces are ignored (servers differ: s3rver uses a wrong one), element
// names are matched by local name. Pure functions; thread-safe.
// Every parser throws Error{Transient} (so a reply damaged in transit is retried) "malformed S3 XML response: ..." on
// input that is not well-formed XML or lacks a required element.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wale::store::s3 {

struct S3ErrorBody {
  std::string code;     // "NoSuchKey", "SignatureDoesNotMatch", ... ("" if none)
  std::string message;  // may be empty (radosgw)
};
// Parses an <Error> document; std::nullopt if the text is not one (e.g. empty, HTML).
std::optional<S3ErrorBody> parse_error(std::string_view xml);

struct ListEntry {
  std::string key;
  std::uint64_t size = 0;
  std::chrono::system_clock::time_point modified;
  std::string etag;  // without its quotes, lower case; "" if the server sent none
};
struct ListPage {
  std::vector<ListEntry> entries;
  bool truncated = false;
  std::string next_continuation_token;
};
ListPage parse_list_objects_v2(std::string_view xml);

// ListMultipartUploads (<ListMultipartUploadsResult>): the uploads still open.
struct MultipartUpload {
  std::string key;
  std::string upload_id;
  std::chrono::system_clock::time_point initiated;
};
struct MultipartUploadPage {
  std::vector<MultipartUpload> uploads;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};
MultipartUploadPage parse_list_multipart_uploads(std::string_view xml);

// <InitiateMultipartUploadResult><UploadId>
std::string parse_initiate_multipart(std::string_view xml);

// The body of a CompleteMultipartUpload reply: AWS may answer 200 and still put
// an <Error> in the body. Returns the error if there is one.
std::optional<S3ErrorBody> parse_complete_multipart(std::string_view xml);

struct DeleteResult {
  std::vector<std::string> deleted;
  struct Failure {
    std::string key;
    std::string code;
    std::string message;
  };
  std::vector<Failure> errors;
};
DeleteResult parse_delete_result(std::string_view xml);

// STS replies. <AssumeRoleWithWebIdentityResponse>: the <Credentials> element's
// fields as text (nullopt if the document has none); <ErrorResponse><Error>: code
// and message (nullopt if the text is not one).
struct StsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string expiration;  // ISO 8601
};
std::optional<StsCredentials> parse_sts_credentials(std::string_view xml);
std::optional<S3ErrorBody> parse_sts_error(std::string_view xml);

// XML escaping of text content (&, <, >, ", ').
std::string xml_escape(std::string_view text);

// "2009-10-12T17:50:30.000Z" -> time point; std::nullopt if malformed
// (core/utc_time.h, Iso8601Form::Strict).
std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

}  // namespace wale::store::s3
