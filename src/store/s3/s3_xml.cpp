#include "store/s3/s3_xml.h"

#include <expat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <memory>

#include "core/error.h"
#include "core/utc_time.h"

namespace wale::store::s3 {
namespace {

// A minimal element tree, enough for S3's small, shallow responses.
struct Node {
  std::string name;  // local name (namespace prefix stripped)
  std::string text;
  std::vector<std::unique_ptr<Node>> children;

  const Node* child(std::string_view n) const {
    for (const auto& c : children) {
      if (c->name == n) return c.get();
    }
    return nullptr;
  }
  std::string child_text(std::string_view n) const {
    const Node* c = child(n);
    return c ? c->text : std::string{};
  }
};

struct ParserFree {
  void operator()(XML_Parser p) const noexcept { XML_ParserFree(p); }
};

struct BuildState {
  std::unique_ptr<Node> root;
  std::vector<Node*> stack;
};

std::string local_name(const XML_Char* name) {
  std::string_view n(name);
  std::size_t colon = n.rfind(':');
  return std::string(colon == std::string_view::npos ? n : n.substr(colon + 1));
}

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char**) {
  auto* st = static_cast<BuildState*>(data);
  auto node = std::make_unique<Node>();
  node->name = local_name(name);
  Node* raw = node.get();
  if (st->stack.empty()) {
    st->root = std::move(node);
  } else {
    st->stack.back()->children.push_back(std::move(node));
  }
  st->stack.push_back(raw);
}

void XMLCALL on_end(void* data, const XML_Char*) {
  auto* st = static_cast<BuildState*>(data);
  if (!st->stack.empty()) st->stack.pop_back();
}

void XMLCALL on_text(void* data, const XML_Char* s, int len) {
  auto* st = static_cast<BuildState*>(data);
  if (!st->stack.empty()) st->stack.back()->text.append(s, static_cast<std::size_t>(len));
}

[[noreturn]] void malformed(const std::string& why) {
  // Transient: a reply cut short in transit looks like this, and is worth another try.
  throw Error(ErrorCode::Transient, "malformed S3 XML response: " + why);
}

// Returns nullptr if the text is not well-formed XML.
std::unique_ptr<Node> parse_tree(std::string_view xml) {
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserFree> parser(XML_ParserCreate("UTF-8"));
  if (!parser) throw Error(ErrorCode::Internal, "could not create an XML parser");
  BuildState st;
  XML_SetUserData(parser.get(), &st);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_text);
  if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) != XML_STATUS_OK) {
    return nullptr;
  }
  return std::move(st.root);
}

std::unique_ptr<Node> require_tree(std::string_view xml, std::string_view root_name) {
  auto root = parse_tree(xml);
  if (!root) malformed("not well-formed XML");
  if (root->name != root_name) malformed("expected <" + std::string(root_name) + ">, got <" + root->name + ">");
  return root;
}

}  // namespace

std::optional<S3ErrorBody> parse_error(std::string_view xml) {
  auto root = parse_tree(xml);
  if (!root || root->name != "Error") return std::nullopt;
  return S3ErrorBody{root->child_text("Code"), root->child_text("Message")};
}

ListPage parse_list_objects_v2(std::string_view xml) {
  auto root = require_tree(xml, "ListBucketResult");
  ListPage page;
  page.truncated = root->child_text("IsTruncated") == "true";
  page.next_continuation_token = root->child_text("NextContinuationToken");
  for (const auto& c : root->children) {
    if (c->name != "Contents") continue;
    ListEntry e;
    const Node* key = c->child("Key");
    if (!key) malformed("<Contents> without <Key>");
    e.key = key->text;
    std::string size = c->child_text("Size");
    auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), e.size);
    if (ec != std::errc{} || ptr != size.data() + size.size()) malformed("bad <Size> for " + e.key);
    auto t = parse_iso8601(c->child_text("LastModified"));
    if (!t) malformed("bad <LastModified> for " + e.key);
    e.modified = *t;
    e.etag = c->child_text("ETag");
    if (e.etag.size() >= 2 && e.etag.front() == '"' && e.etag.back() == '"')
      e.etag = e.etag.substr(1, e.etag.size() - 2);
    std::transform(e.etag.begin(), e.etag.end(), e.etag.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    page.entries.push_back(std::move(e));
  }
  if (page.truncated && page.next_continuation_token.empty()) {
    malformed("truncated listing without <NextContinuationToken>");
  }
  return page;
}

MultipartUploadPage parse_list_multipart_uploads(std::string_view xml) {
  auto root = require_tree(xml, "ListMultipartUploadsResult");
  MultipartUploadPage page;
  page.truncated = root->child_text("IsTruncated") == "true";
  page.next_key_marker = root->child_text("NextKeyMarker");
  page.next_upload_id_marker = root->child_text("NextUploadIdMarker");
  for (const auto& c : root->children) {
    if (c->name != "Upload") continue;
    MultipartUpload u;
    u.key = c->child_text("Key");
    u.upload_id = c->child_text("UploadId");
    if (u.key.empty() || u.upload_id.empty()) malformed("<Upload> without <Key> or <UploadId>");
    auto t = parse_iso8601(c->child_text("Initiated"));
    if (!t) malformed("bad <Initiated> for " + u.key);
    u.initiated = *t;
    page.uploads.push_back(std::move(u));
  }
  if (page.truncated && page.next_key_marker.empty()) malformed("truncated upload listing without <NextKeyMarker>");
  return page;
}

std::string parse_initiate_multipart(std::string_view xml) {
  auto root = require_tree(xml, "InitiateMultipartUploadResult");
  std::string id = root->child_text("UploadId");
  if (id.empty()) malformed("no <UploadId>");
  return id;
}

std::optional<S3ErrorBody> parse_complete_multipart(std::string_view xml) {
  auto root = parse_tree(xml);
  if (!root) malformed("not well-formed XML");
  if (root->name == "Error") return S3ErrorBody{root->child_text("Code"), root->child_text("Message")};
  if (root->name != "CompleteMultipartUploadResult") {
    malformed("expected <CompleteMultipartUploadResult>, got <" + root->name + ">");
  }
  return std::nullopt;
}

DeleteResult parse_delete_result(std::string_view xml) {
  auto root = require_tree(xml, "DeleteResult");
  DeleteResult r;
  for (const auto& c : root->children) {
    if (c->name == "Deleted") {
      r.deleted.push_back(c->child_text("Key"));
    } else if (c->name == "Error") {
      r.errors.push_back({c->child_text("Key"), c->child_text("Code"), c->child_text("Message")});
    }
  }
  return r;
}

std::optional<StsCredentials> parse_sts_credentials(std::string_view xml) {
  auto root = parse_tree(xml);
  if (!root) return std::nullopt;
  const Node* result = root->child("AssumeRoleWithWebIdentityResult");
  if (!result) result = root->child("AssumeRoleResult");
  const Node* c = result ? result->child("Credentials") : nullptr;
  if (!c) return std::nullopt;
  return StsCredentials{c->child_text("AccessKeyId"), c->child_text("SecretAccessKey"), c->child_text("SessionToken"),
                        c->child_text("Expiration")};
}

std::optional<S3ErrorBody> parse_sts_error(std::string_view xml) {
  auto root = parse_tree(xml);
  if (!root) return std::nullopt;
  const Node* e = root->name == "Error" ? root.get() : root->child("Error");
  if (!e) return std::nullopt;
  return S3ErrorBody{e->child_text("Code"), e->child_text("Message")};
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s) {
  return wale::parse_iso8601(s, Iso8601Form::Strict);
}

}  // namespace wale::store::s3
