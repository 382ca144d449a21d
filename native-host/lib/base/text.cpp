#include "base/text.hpp"

#include <cstdio>
#include <utility>

#include "base/hex.hpp"

namespace certdoctor {

namespace {

// Unicode's format characters (general category Cf, Unicode 15) and the line and paragraph separators: each changes
// how the text around it is shown while being invisible itself. The bidi controls U+202A-U+202E and U+2066-U+2069
// reorder a name ("moc.evil" shown as "live.com"); zero-width characters make two different names look equal.
constexpr std::pair<char32_t, char32_t> kInvisible[] = {
    {0x00ad, 0x00ad},   {0x0600, 0x0605},   {0x061c, 0x061c},   {0x06dd, 0x06dd},   {0x070f, 0x070f},
    {0x0890, 0x0891},   {0x08e2, 0x08e2},   {0x180e, 0x180e},   {0x200b, 0x200f},   {0x2028, 0x202e},
    {0x2060, 0x2064},   {0x2066, 0x206f},   {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0x110bd, 0x110bd},
    {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0001, 0xe0001},
    {0xe0020, 0xe007f},
};

}  // namespace

bool is_format_character(char32_t c) {
  for (auto [lo, hi] : kInvisible) {
    if (c >= lo && c <= hi) return true;
  }
  return false;
}


static std::string code_point_name(char32_t cp) {
  char name[24];
  std::snprintf(name, sizeof name, "\u27e8U+%04X\u27e9", static_cast<unsigned>(cp));
  return name;
}

std::pair<char32_t, std::size_t> decode_utf8(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return {0, 0};
  char32_t cp = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return {0, 0};
    cp = (cp << 6) | (b(k) & 0x3f);
  }
  // Overlong forms and surrogates are not well-formed UTF-8.
  if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
    return {0, 0};
  }
  return {cp, n};
}

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
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      const bool control = (c < 0x20 || c == 0x7f) && !(keep_newlines && (c == '\n' || c == '\t'));
      out += control ? "\\x" + to_hex(s.substr(i, 1)) : std::string(1, static_cast<char>(c));
      ++i;
      continue;
    }
    const auto [cp, n] = decode_utf8(s, i);
    if (n == 0) {
      out += "\\x" + to_hex(s.substr(i, 1));  // not UTF-8: a lone 0x9B is a CSI to a terminal in 8-bit mode
      ++i;
    } else if (cp <= 0x9f) {
      out += "\\u00" + to_hex(s.substr(i + 1, 1));  // C1 (U+0080..U+009F): terminals honour some of them
      i += n;
    } else if (is_format_character(cp)) {
      out += code_point_name(cp);
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string visible_format(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto [cp, n] = decode_utf8(s, i);
    if (n != 0 && is_format_character(cp)) {
      out += code_point_name(cp);
      i += n;
    } else {
      out += s[i++];  // anything else, malformed bytes included, as it was
    }
  }
  return out;
}

std::string inert_json(std::string_view dumped) {
  std::string out;
  out.reserve(dumped.size());
  auto escape = [&](char32_t u) {
    char e[8];
    std::snprintf(e, sizeof e, "\\u%04x", static_cast<unsigned>(u));
    out += e;
  };
  for (std::size_t i = 0; i < dumped.size();) {
    const auto [cp, n] = decode_utf8(dumped, i);
    if (n != 0 && (cp <= 0x9f || is_format_character(cp))) {
      if (cp > 0xffff) {  // UTF-16 surrogate pair, as JSON spells characters beyond the BMP
        escape(0xd800 + ((cp - 0x10000) >> 10));
        escape(0xdc00 + ((cp - 0x10000) & 0x3ff));
      } else {
        escape(cp);
      }
      i += n;
    } else {
      out += dumped[i++];
    }
  }
  return out;
}

}  // namespace certdoctor
