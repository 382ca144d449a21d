#include "base/text.hpp"

#include "base/hex.hpp"

namespace certdoctor {

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\"'\"'";
    else out += c;
  }
  return out + "'";
}

std::string printable(std::string_view s, bool keep_newlines) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool control = c < 0x20 || c == 0x7f;
    // C1 controls (U+0080..U+009F) arrive in UTF-8 as 0xC2 0x80..0x9F; terminals honour some of them.
    bool c1 = c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(s[i + 1]) <= 0x9f;
    if (keep_newlines && (c == '\n' || c == '\t')) control = false;
    if (control) {
      out += "\\x" + to_hex(s.substr(i, 1));
    } else if (c1) {
      out += "\\u00" + to_hex(s.substr(++i, 1));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace certdoctor
