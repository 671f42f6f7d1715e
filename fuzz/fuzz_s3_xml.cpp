// Fuzzes the S3 XML reply parsers (store/s3/s3_xml.h): the first byte picks
// the parser, the rest is the reply body. Any input may only throw
// wale::Error; xml_escape output parses back as the same text.
#include <string>

#include "core/error.h"
#include "fuzz_support.h"
#include "store/s3/s3_xml.h"

namespace s3 = wale::store::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view xml = wale::fuzz::text(data + 1, size - 1);
  try {
    switch (data[0] % 7) {
      case 0: s3::parse_error(xml); break;
      case 1: s3::parse_list_objects_v2(xml); break;
      case 2: s3::parse_initiate_multipart(xml); break;
      case 3: s3::parse_complete_multipart(xml); break;
      case 4: s3::parse_delete_result(xml); break;
      case 5: s3::parse_iso8601(xml); break;
      case 6: {
        // Escaped text inside an element reads back unchanged (when it is valid UTF-8 without NULs).
        std::string doc = "<Error><Code>" + s3::xml_escape(xml) + "</Code></Error>";
        if (auto e = s3::parse_error(doc)) {
          if (xml.find('\r') == std::string_view::npos) WALE_FUZZ_CHECK(e->code == xml);
        }
        break;
      }
    }
  } catch (const wale::Error&) {
  }
  return 0;
}
