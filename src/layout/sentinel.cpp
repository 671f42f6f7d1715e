#include "layout/sentinel.h"

#include <nlohmann/json.hpp>

#include <climits>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "core/json_object.h"

namespace wale::layout {
namespace {

using ordered = nlohmann::ordered_json;

ordered spec_json(const Spec& spec) {
  ordered j;
  j["base_prefix"] = spec.base_prefix;
  ordered names = ordered::array();
  for (const auto& t : spec.tablespaces) names.push_back(t.oid);
  j["tablespaces"] = names;
  for (const auto& t : spec.tablespaces) j[t.oid] = ordered{{"loc", t.loc}, {"link", t.link}};
  return j;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Spec spec_from(const JsonObject& j) {
  Spec spec;
  spec.base_prefix = j.string("base_prefix").value_or("");
  if (const auto* names = j.array("tablespaces")) {
    for (const auto& oid : *names) {
      // Tablespace OIDs name directories (pg_tblspc/<oid>): decimal digits only.
      if (!oid.is_string() || oid.get<std::string>().size() > 10 || !all_digits(oid.get<std::string>())) {
        j.fail("tablespaces", "an array of tablespace OIDs (strings of decimal digits), not " + oid.dump());
      }
      std::string o = oid.get<std::string>();
      for (const auto& t : spec.tablespaces) {
        if (t.oid == o) j.fail("tablespaces", "free of duplicates, but lists " + o + " twice");
      }
      TablespaceSpec t{o, {}, "pg_tblspc/" + o};
      if (auto entry = j.object(o)) {
        t.loc = entry->string("loc").value_or("");
        t.link = entry->string("link").value_or(t.link);
        if (t.link != "pg_tblspc/" + o) entry->fail("link", "\"pg_tblspc/" + o + "\", not \"" + t.link + "\"");
      }
      spec.tablespaces.push_back(t);
    }
  }
  return spec;
}

template <typename T>
void put_opt(ordered& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
void put_str(ordered& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
}  // namespace

std::string Sentinel::to_json() const {
  ordered j;
  j["wal_segment_backup_stop"] = wal_segment_backup_stop;
  j["wal_segment_offset_backup_stop"] = wal_segment_offset_backup_stop;
  if (expanded_size_bytes) j["expanded_size_bytes"] = *expanded_size_bytes;
  else j["expanded_size_bytes"] = nullptr;
  j["spec"] = spec_json(spec);
  put_str(j, "format", format);
  put_str(j, "wal_segment_backup_start", wal_segment_backup_start);
  put_str(j, "wal_segment_offset_backup_start", wal_segment_offset_backup_start);
  put_str(j, "start_lsn", start_lsn);
  put_str(j, "stop_lsn", stop_lsn);
  put_opt(j, "timeline", timeline);
  put_opt(j, "pg_version_num", pg_version_num);
  put_str(j, "system_identifier", system_identifier);
  put_str(j, "start_time", start_time);
  put_str(j, "finish_time", finish_time);
  put_opt(j, "compressed_size_bytes", compressed_size_bytes);
  put_str(j, "codec", codec);
  put_opt(j, "file_count", file_count);
  put_opt(j, "partition_count", partition_count);
  put_opt(j, "segment_size", segment_size);
  put_str(j, "hostname", hostname);
  put_str(j, "data_directory", data_directory);
  put_opt(j, "is_standby", is_standby);
  put_opt(j, "while_offline", while_offline);
  return j.dump();
}

Sentinel Sentinel::parse(const std::string& text, const std::string& what) {
  nlohmann::json doc = parse_json_text(text, what, ErrorCode::Corrupt);
  JsonObject j(doc, what, ErrorCode::Corrupt);
  auto narrow32 = [](std::optional<std::uint64_t> v) {
    return v ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(*v)) : std::nullopt;
  };
  Sentinel s;
  s.wal_segment_backup_stop = j.string("wal_segment_backup_stop").value_or("");
  s.wal_segment_offset_backup_stop = j.string("wal_segment_offset_backup_stop").value_or("");
  s.expanded_size_bytes = j.uint("expanded_size_bytes");
  if (auto spec = j.object("spec")) s.spec = spec_from(*spec);
  s.format = j.string("format").value_or("");
  s.wal_segment_backup_start = j.string("wal_segment_backup_start").value_or("");
  s.wal_segment_offset_backup_start = j.string("wal_segment_offset_backup_start").value_or("");
  s.start_lsn = j.string("start_lsn").value_or("");
  s.stop_lsn = j.string("stop_lsn").value_or("");
  s.timeline = narrow32(j.uint("timeline", 1, UINT32_MAX));
  if (auto v = j.uint("pg_version_num", 1, INT_MAX)) s.pg_version_num = static_cast<int>(*v);
  s.system_identifier = j.string("system_identifier").value_or("");
  if (!s.system_identifier.empty() && (s.system_identifier.size() > 20 || !all_digits(s.system_identifier))) {
    j.fail("system_identifier", "a decimal number");
  }
  s.start_time = j.string("start_time").value_or("");
  s.finish_time = j.string("finish_time").value_or("");
  s.compressed_size_bytes = j.uint("compressed_size_bytes");
  s.codec = j.string("codec").value_or("");
  s.file_count = j.uint("file_count");
  s.partition_count = narrow32(j.uint("partition_count", 0, UINT32_MAX));
  // PostgreSQL's wal_segment_size: a power of two from 1 MiB to 1 GiB (segment arithmetic divides by it).
  s.segment_size = j.uint("segment_size", 1ULL << 20, 1ULL << 30);
  if (s.segment_size && (*s.segment_size & (*s.segment_size - 1)) != 0) {
    j.fail("segment_size", "a power of two, not " + std::to_string(*s.segment_size));
  }
  s.hostname = j.string("hostname").value_or("");
  s.data_directory = j.string("data_directory").value_or("");
  auto boolean = [&](const char* key) -> std::optional<bool> {
    const auto* v = j.find(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_boolean()) j.fail(key, std::string("true or false, not a JSON ") + v->type_name());
    return v->get<bool>();
  };
  s.is_standby = boolean("is_standby");
  s.while_offline = boolean("while_offline");
  return s;
}

Spec parse_spec(const std::string& text) {
  const std::string what = "restore spec";
  nlohmann::json doc = parse_json_text(text, what, ErrorCode::Usage);
  return spec_from(JsonObject(doc, what, ErrorCode::Usage));
}

}  // namespace wale::layout
