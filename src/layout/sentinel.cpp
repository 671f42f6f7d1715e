#include "layout/sentinel.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

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

Spec spec_from(const nlohmann::json& j) {
  Spec spec;
  if (!j.is_object()) return spec;
  if (j.contains("base_prefix") && j["base_prefix"].is_string()) spec.base_prefix = j["base_prefix"];
  if (j.contains("tablespaces") && j["tablespaces"].is_array()) {
    for (const auto& oid : j["tablespaces"]) {
      std::string o = oid.is_string() ? oid.get<std::string>() : oid.dump();
      TablespaceSpec t{o, {}, "pg_tblspc/" + o};
      if (j.contains(o) && j[o].is_object()) {
        if (j[o].contains("loc")) t.loc = j[o]["loc"].get<std::string>();
        if (j[o].contains("link")) t.link = j[o]["link"].get<std::string>();
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
template <typename T>
std::optional<T> get_opt(const nlohmann::json& j, const char* key) {
  if (j.contains(key) && j[key].is_number()) return j[key].get<T>();
  return std::nullopt;
}
std::string get_str(const nlohmann::json& j, const char* key) {
  if (j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return {};
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
  return j.dump();
}

Sentinel Sentinel::parse(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::Corrupt, "backup sentinel is not valid JSON", e.what());
  }
  if (!j.is_object()) throw Error(ErrorCode::Corrupt, "backup sentinel is not a JSON object");
  Sentinel s;
  s.wal_segment_backup_stop = get_str(j, "wal_segment_backup_stop");
  s.wal_segment_offset_backup_stop = get_str(j, "wal_segment_offset_backup_stop");
  s.expanded_size_bytes = get_opt<std::uint64_t>(j, "expanded_size_bytes");
  if (j.contains("spec")) s.spec = spec_from(j["spec"]);
  s.format = get_str(j, "format");
  s.wal_segment_backup_start = get_str(j, "wal_segment_backup_start");
  s.wal_segment_offset_backup_start = get_str(j, "wal_segment_offset_backup_start");
  s.start_lsn = get_str(j, "start_lsn");
  s.stop_lsn = get_str(j, "stop_lsn");
  s.timeline = get_opt<std::uint32_t>(j, "timeline");
  s.pg_version_num = get_opt<int>(j, "pg_version_num");
  s.system_identifier = get_str(j, "system_identifier");
  s.start_time = get_str(j, "start_time");
  s.finish_time = get_str(j, "finish_time");
  s.compressed_size_bytes = get_opt<std::uint64_t>(j, "compressed_size_bytes");
  s.codec = get_str(j, "codec");
  s.file_count = get_opt<std::uint64_t>(j, "file_count");
  s.partition_count = get_opt<std::uint32_t>(j, "partition_count");
  s.segment_size = get_opt<std::uint64_t>(j, "segment_size");
  s.hostname = get_str(j, "hostname");
  s.data_directory = get_str(j, "data_directory");
  return s;
}

Spec parse_spec(const std::string& text) {
  try {
    return spec_from(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::Usage, "restore spec is not valid JSON", e.what());
  }
}

}  // namespace wale::layout
