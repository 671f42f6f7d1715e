// JsonObject: strict, read-only access to one JSON object that came from
// outside (a stored sentinel or backup manifest, a restore spec file).
//
// A field that is present must have the expected type and range; JSON null
// counts as absent. Every violation throws
//   Error{code, "<what> is corrupt: field \"<key>\" must be <expectation>"}
// (code is Corrupt for stored objects), never an nlohmann or std exception.
// The object viewed must outlive the JsonObject. Thread-safe to read.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace wale {

// Parses `text`; throws Error{code, "<what> is not valid JSON", parser detail}.
nlohmann::json parse_json_text(std::string_view text, const std::string& what, ErrorCode code);

class JsonObject {
 public:
  // Throws Error{code, "<what> is corrupt: it is not a JSON object"} unless `value` is an object.
  // `path` names where `value` sits inside the document ("" at the top, "spec.16389." below).
  JsonObject(const nlohmann::json& value, std::string what, ErrorCode code, std::string path = {});

  // Present and not null.
  bool has(std::string_view key) const;
  // The field's value if present (any type), else nullptr.
  const nlohmann::json* find(std::string_view key) const;

  std::optional<std::string> string(std::string_view key) const;
  std::string required_string(std::string_view key) const;
  // A non-negative integer (no fraction, no sign) within [min, max].
  std::optional<std::uint64_t> uint(std::string_view key, std::uint64_t min = 0,
                                    std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const;
  std::uint64_t required_uint(std::string_view key, std::uint64_t min = 0,
                              std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const;
  // An array field (nullptr if absent); throws if present and not an array.
  const nlohmann::json* array(std::string_view key) const;
  // A nested object field; std::nullopt if absent. Its errors name "<path><key>.<field>".
  std::optional<JsonObject> object(std::string_view key) const;

  const std::string& what() const { return what_; }
  ErrorCode code() const { return code_; }
  // Throws Error{code, "<what> is corrupt: field \"<path><key>\" must be <expectation>"}.
  [[noreturn]] void fail(std::string_view key, std::string_view expectation) const;

 private:
  const nlohmann::json* value_;
  std::string what_;
  ErrorCode code_;
  std::string path_;
};

}  // namespace wale
