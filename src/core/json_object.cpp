#include "core/json_object.h"

namespace wale {
namespace {

std::string shown(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 64)) {
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (key.size() > 64) out += "...";
  return out;
}

}  // namespace

nlohmann::json parse_json_text(std::string_view text, const std::string& what, ErrorCode code) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const std::exception& e) {
    throw Error(code, what + " is not valid JSON", e.what());
  }
}

JsonObject::JsonObject(const nlohmann::json& value, std::string what, ErrorCode code, std::string path)
    : value_(&value), what_(std::move(what)), code_(code), path_(std::move(path)) {
  if (!value.is_object()) {
    std::string where = path_.empty() ? "it" : "field \"" + path_.substr(0, path_.size() - 1) + "\"";
    throw Error(code_, what_ + " is corrupt: " + where + " is not a JSON object",
                std::string("It is a JSON ") + value.type_name() + ".");
  }
}

const nlohmann::json* JsonObject::find(std::string_view key) const {
  auto it = value_->find(std::string(key));
  return it == value_->end() ? nullptr : &*it;
}

bool JsonObject::has(std::string_view key) const {
  const auto* v = find(key);
  return v && !v->is_null();
}

void JsonObject::fail(std::string_view key, std::string_view expectation) const {
  throw Error(code_, what_ + " is corrupt: field \"" + path_ + shown(key) + "\" must be " + std::string(expectation));
}

std::optional<std::string> JsonObject::string(std::string_view key) const {
  const auto* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) fail(key, std::string("a string, not a JSON ") + v->type_name());
  return v->get<std::string>();
}

std::string JsonObject::required_string(std::string_view key) const {
  auto s = string(key);
  if (!s) fail(key, "present (a string)");
  return *s;
}

std::optional<std::uint64_t> JsonObject::uint(std::string_view key, std::uint64_t min, std::uint64_t max) const {
  const auto* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  std::string range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  // The parser stores non-negative integers as unsigned; negatives and fractions are not.
  if (!v->is_number_unsigned()) fail(key, range + ", not " + (v->is_number() ? v->dump() : v->type_name()));
  std::uint64_t n = v->get<std::uint64_t>();
  if (n < min || n > max) fail(key, range + ", not " + std::to_string(n));
  return n;
}

std::uint64_t JsonObject::required_uint(std::string_view key, std::uint64_t min, std::uint64_t max) const {
  auto n = uint(key, min, max);
  if (!n) fail(key, "present (a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ")");
  return *n;
}

const nlohmann::json* JsonObject::array(std::string_view key) const {
  const auto* v = find(key);
  if (!v || v->is_null()) return nullptr;
  if (!v->is_array()) fail(key, std::string("an array, not a JSON ") + v->type_name());
  return v;
}

std::optional<JsonObject> JsonObject::object(std::string_view key) const {
  const auto* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object()) fail(key, std::string("an object, not a JSON ") + v->type_name());
  return JsonObject(*v, what_, code_, path_ + shown(key) + ".");
}

}  // namespace wale
