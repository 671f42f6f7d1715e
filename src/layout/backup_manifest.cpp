#include "layout/backup_manifest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <ctime>
#include <istream>
#include <nlohmann/json.hpp>
#include <streambuf>
#include <string_view>

#include <fmt/format.h>

#include "core/error.h"
#include "core/json_object.h"
#include "core/number.h"
#include "core/utc_time.h"
#include "io/memory_streams.h"

namespace wale::layout {
namespace {

std::string gmt(std::int64_t t) {
  return format_utc(std::chrono::system_clock::from_time_t(static_cast<std::time_t>(t)), "%Y-%m-%d %H:%M:%S GMT");
}

std::string hex_of(const unsigned char* digest, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
      throw Error(ErrorCode::Internal, "OpenSSL could not start a SHA-256");
  }
  void update(std::string_view data) {
    if (!data.empty() && EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1)
      throw Error(ErrorCode::Internal, "OpenSSL could not hash");
  }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest, &n) != 1) throw Error(ErrorCode::Internal, "OpenSSL could not hash");
    return hex_of(digest, n);
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
};

// Reads a ByteSource for nlohmann's parser, and hashes everything but the
// last kWindow bytes as it goes: the manifest's checksum covers the text up
// to the last "Manifest-Checksum" key, which ends() finds in that window.
class ManifestInput final : public std::streambuf {
 public:
  static constexpr std::size_t kWindow = 64 * 1024;
  explicit ManifestInput(io::ByteSource& in) : in_(in), buf_(64 * 1024) {}

  // Reads what the parser left; returns the window (the unhashed end of the text).
  std::string& finish() {
    while (pull() > 0) {
    }
    setg(nullptr, nullptr, nullptr);
    return window_;
  }
  Sha256& sha() { return sha_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    std::size_t n = pull();
    if (n == 0) return traits_type::eof();
    setg(buf_.data(), buf_.data(), buf_.data() + n);
    return traits_type::to_int_type(buf_[0]);
  }

 private:
  // The next piece of the text into buf_ (0 at the end).
  std::size_t pull() {
    if (eof_) return 0;
    std::size_t n = in_.read(std::as_writable_bytes(std::span<char>(buf_)));
    if (n == 0) {
      eof_ = true;
      return 0;
    }
    window_.append(buf_.data(), n);
    if (window_.size() > 2 * kWindow) {
      std::size_t done = window_.size() - kWindow;
      sha_.update(std::string_view(window_).substr(0, done));
      window_.erase(0, done);
    }
    return n;
  }

  io::ByteSource& in_;
  std::vector<char> buf_;
  std::string window_;  // the text not hashed yet: at least its last kWindow bytes
  Sha256 sha_;
  bool eof_ = false;
};

}  // namespace

std::string manifest_crc_hex(std::uint32_t crc) {
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", crc & 0xFF, (crc >> 8) & 0xFF, (crc >> 16) & 0xFF, crc >> 24);
}

struct ManifestSource::State {
  Next next;
  ManifestWalRange wal;
  Sha256 sha;
  std::string buf;
  std::size_t pos = 0;
  int stage = 0;  // 0: nothing rendered yet; 1: files; 2: everything rendered
  bool first = true;
  ManifestFile file;
  std::int64_t gmt_of = 0;  // the last mtime formatted, and its text
  std::string gmt_text;

  // Renders the next piece into buf (about 64 KiB of files at a time).
  void refill() {
    buf.clear();
    pos = 0;
    if (stage == 0) {
      buf += "{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [";
      stage = 1;
    }
    while (stage == 1 && buf.size() < 64 * 1024) {
      if (!next(file)) {
        buf += "\n],\n\"WAL-Ranges\": [\n{ \"Timeline\": " + std::to_string(wal.timeline) + ", \"Start-LSN\": \"" +
               wal.start_lsn + "\", \"End-LSN\": \"" + wal.end_lsn + "\" }\n],\n";
        sha.update(buf);
        buf += "\"Manifest-Checksum\": \"" + sha.hex() + "\"}\n";
        stage = 2;
        return;
      }
      if (gmt_text.empty() || file.mtime != gmt_of) {
        gmt_of = file.mtime;
        gmt_text = gmt(file.mtime);
      }
      buf += first ? "\n" : ",\n";
      first = false;
      buf += "{ \"Path\": ";
      buf += nlohmann::json(file.path).dump();
      buf += ", \"Size\": ";
      buf += std::to_string(file.size);
      buf += ", \"Last-Modified\": \"";
      buf += gmt_text;
      buf += "\"";
      if (file.crc32c) {
        buf += ", \"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"";
        buf += manifest_crc_hex(*file.crc32c);
        buf += "\"";
      }
      buf += " }";
    }
    sha.update(buf);
  }
};

ManifestSource::ManifestSource(Next next, ManifestWalRange wal) : s_(std::make_unique<State>()) {
  s_->next = std::move(next);
  s_->wal = std::move(wal);
}

ManifestSource::~ManifestSource() = default;

std::size_t ManifestSource::read(std::span<std::byte> out) {
  while (s_->pos == s_->buf.size()) {
    if (s_->stage == 2) return 0;
    s_->refill();
  }
  std::size_t n = std::min(out.size(), s_->buf.size() - s_->pos);
  std::memcpy(out.data(), s_->buf.data() + s_->pos, n);
  s_->pos += n;
  return n;
}

void ManifestBuilder::add(ManifestFile file) {
  std::lock_guard lock(mu_);
  files_.push_back(std::move(file));
}

std::string ManifestBuilder::render(const ManifestWalRange& wal) const {
  // Sorted in place (the order of files_ is not observable): a copy would
  // double the memory.
  std::lock_guard lock(mu_);
  auto& files = files_;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::size_t k = 0;
  ManifestSource source(
      [&](ManifestFile& f) {
        if (k == files.size()) return false;
        f = files[k++];
        return true;
      },
      wal);
  return io::read_all(source);
}

Manifest parse_manifest(const std::string& text) {
  Manifest m;
  io::StringViewSource source(text);
  m.wal_ranges = parse_manifest(source, [&](ManifestFile&& f) { m.files.push_back(std::move(f)); });
  return m;
}

std::vector<ManifestWalRange> parse_manifest(io::ByteSource& in, const std::function<void(ManifestFile&&)>& on_file) {
  const std::string what = "backup manifest";
  // Each element of "Files" is converted as soon as it is parsed and then
  // discarded from the tree: a whole nlohmann tree costs about 600 bytes a
  // file (backup-verify held 140 MiB for 100,000 files).
  std::string top_key;
  std::size_t index = 0;
  bool files_seen = false;
  std::optional<Error> bad_entry;  // reported after the checksum: a damaged manifest says so first
  nlohmann::json::parser_callback_t on_value = [&](int depth, nlohmann::json::parse_event_t event,
                                                   nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (depth == 1 && event == E::key) {
      top_key = parsed.get<std::string>();
      if (top_key == "Files") files_seen = true;
    } else if (depth == 2 && event == E::object_end && top_key == "Files") {
      if (bad_entry) return false;
      try {
        JsonObject entry(parsed, what, ErrorCode::Corrupt, "Files[" + std::to_string(index++) + "].");
        ManifestFile mf;
        mf.path = entry.required_string("Path");
        mf.size = entry.required_uint("Size");
        if (entry.string("Checksum-Algorithm").value_or("") == "CRC32C") {
          std::string hex = entry.required_string("Checksum");
          auto le = hex.size() == 8 ? to_uint64(hex, 16) : std::nullopt;
          if (!le) entry.fail("Checksum", "8 hex digits for CRC32C, not \"" + hex.substr(0, 64) + "\"");
          mf.crc32c = __builtin_bswap32(static_cast<std::uint32_t>(*le));
        }
        on_file(std::move(mf));
      } catch (const Error& e) {
        bad_entry = e;
      }
      return false;
    }
    return true;
  };
  ManifestInput input(in);
  nlohmann::json doc;
  std::optional<Error> not_json;
  {
    std::istream stream(&input);
    try {
      doc = nlohmann::json::parse(stream, on_value);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      not_json = Error(ErrorCode::Corrupt, what + " is not valid JSON", e.what());
    }
  }
  // The checksum covers what precedes its key, so nothing may follow it but
  // the end of the object: no other key (JSON keeps the last of two equal
  // keys, so a "Files" after it would replace the checked list unchecked).
  const std::string& window = input.finish();
  auto pos = window.rfind("\"Manifest-Checksum\"");
  if (pos == std::string::npos) throw Error(ErrorCode::Corrupt, "backup manifest has no Manifest-Checksum");
  std::string_view tail = std::string_view(window).substr(pos);
  if (std::count(tail.begin(), tail.end(), '"') != 4 || std::count(tail.begin(), tail.end(), '}') != 1 ||
      tail.find_last_not_of(" \t\r\n") != tail.find('}')) {
    throw Error(ErrorCode::Corrupt, "backup manifest has data after its Manifest-Checksum", {},
                "The manifest itself was damaged.");
  }
  input.sha().update(std::string_view(window).substr(0, pos));
  std::string checksum = input.sha().hex();
  if (not_json) throw *not_json;
  JsonObject j(doc, what, ErrorCode::Corrupt);
  if (j.string("Manifest-Checksum").value_or("") != checksum) {
    throw Error(ErrorCode::Corrupt, "backup manifest checksum mismatch", {}, "The manifest itself was damaged.");
  }
  if (bad_entry) throw *bad_entry;
  const auto* files = j.array("Files");
  if (!files || !files_seen) j.fail("Files", "present (an array)");
  for (std::size_t i = 0; i < files->size(); ++i) {
    // Elements that are not objects stay in the tree: JsonObject rejects them.
    JsonObject entry((*files)[i], what, ErrorCode::Corrupt, "Files[" + std::to_string(index + i) + "].");
  }
  const auto* ranges = j.array("WAL-Ranges");
  if (!ranges) j.fail("WAL-Ranges", "present (an array)");
  std::vector<ManifestWalRange> out;
  for (std::size_t i = 0; i < ranges->size(); ++i) {
    JsonObject range((*ranges)[i], what, ErrorCode::Corrupt, "WAL-Ranges[" + std::to_string(i) + "].");
    auto timeline = static_cast<std::uint32_t>(range.required_uint("Timeline", 1, UINT32_MAX));
    out.push_back(ManifestWalRange{timeline, range.required_string("Start-LSN"), range.required_string("End-LSN")});
  }
  return out;
}

}  // namespace wale::layout
