#include "profile/ini.hpp"

#include <fstream>

namespace certdoctor {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<IniSection> parse_ini(std::string_view text) {
  std::vector<IniSection> sections;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a BOM left by Windows editors
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == ';' || line.front() == '#') continue;
    if (line.front() == '[') {
      auto close = line.find(']');
      if (close == std::string_view::npos) continue;  // malformed header: ignored, like Firefox does
      sections.push_back({std::string(trim(line.substr(1, close - 1))), {}});
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos || sections.empty()) continue;
    sections.back().values[std::string(trim(line.substr(0, eq)))] = std::string(trim(line.substr(eq + 1)));
  }
  return sections;
}

std::vector<IniSection> read_ini(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string data(1 << 20, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return parse_ini(data);
}

}  // namespace certdoctor
