#include "profile/overrides.hpp"

#include <fstream>
#include <sstream>

namespace certdoctor {

std::vector<CertOverride> parse_cert_overrides(std::string_view text) {
  std::vector<CertOverride> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? text.npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> fields;
    for (std::size_t start = 0;;) {
      std::size_t tab = line.find('\t', start);
      fields.push_back(line.substr(start, tab == std::string_view::npos ? line.npos : tab - start));
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    if (fields.size() < 3) continue;
    // host:port:attributes — the host may be an IPv6 literal in brackets, so split from the known shape.
    std::string_view key = fields[0];
    std::size_t attrs = key.rfind(':');
    if (attrs == std::string_view::npos || attrs == 0) continue;
    std::size_t port_sep = key.rfind(':', attrs - 1);
    if (port_sep == std::string_view::npos) continue;
    CertOverride o;
    o.host = std::string(key.substr(0, port_sep));
    try {
      o.port = std::stoi(std::string(key.substr(port_sep + 1, attrs - port_sep - 1)));
    } catch (...) {
      continue;
    }
    o.origin_attributes = std::string(key.substr(attrs + 1));
    o.algorithm = std::string(fields[1]);
    o.fingerprint = std::string(fields[2]);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<CertOverride> read_cert_overrides(const std::filesystem::path& profile) {
  std::ifstream in(profile / "cert_override.txt", std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_cert_overrides(text.str());
}

std::string override_fingerprint(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ':';
    for (std::size_t j = i; j < i + 2 && j < hex.size(); ++j) {
      char c = hex[j];
      out += (c >= 'a' && c <= 'f') ? static_cast<char>(c - 'a' + 'A') : c;
    }
  }
  return out;
}

}  // namespace certdoctor
