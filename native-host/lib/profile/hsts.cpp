#include "profile/hsts.hpp"

#include "base/utc.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>

namespace certdoctor {

std::string HstsStatus::expires() const {
  return expires_ms ? utc_format(static_cast<std::time_t>(expires_ms / 1000)) : std::string();
}


namespace {

constexpr std::size_t kSlot = 286, kKeyAt = 6, kKeyLen = 256, kValueAt = kKeyAt + kKeyLen;

unsigned be16(std::string_view b, std::size_t at) {
  return (static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]);
}

std::string_view unpad(std::string_view field) { return field.substr(0, std::min(field.find('\0'), field.size())); }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool is_parent_or_self(std::string_view domain, std::string_view host) {
  if (domain == host) return true;
  return host.size() > domain.size() && host.substr(host.size() - domain.size()) == domain &&
         host[host.size() - domain.size() - 1] == '.';
}

// Whether an entry's origin attributes are those of an ordinary top-level visit to `host`: none, or only the
// partition key of the site itself ("(https,example.com)", possibly with more fields). Entries made in a container
// (userContextId), a private window or a third-party frame belong to another context.
bool first_party(const HstsEntry& e, std::string_view host) {
  if (e.origin_attributes.empty()) return true;
  std::string_view oa = e.origin_attributes;
  constexpr std::string_view kPartition = "partitionKey=";
  if (oa.substr(0, kPartition.size()) != kPartition || oa.find('&') != std::string_view::npos) return false;
  std::string key = percent_decode(oa.substr(kPartition.size()));
  if (key.size() < 2 || key.front() != '(' || key.back() != ')') return false;
  key = key.substr(1, key.size() - 2);
  std::size_t comma = key.find(',');
  if (comma == std::string::npos) return false;
  std::string site = key.substr(comma + 1);
  site = site.substr(0, site.find(','));
  return is_parent_or_self(lower(site), host);
}

// Top-level domains whose registries put the whole domain on the browsers' HSTS preload list (with subdomains):
// every host under them is an HSTS host in Firefox, stored state or not. The rest of the preload list (single
// sites) is compiled into Firefox and not visible from outside: a known limitation (README).
constexpr std::array<std::string_view, 18> kPreloadedTlds = {
    "app", "bank", "boo", "dad", "day", "dev", "esq", "foo", "ing",
    "insurance", "meme", "mov", "new", "page", "phd", "prof", "rsvp", "zip"};

}  // namespace

std::vector<HstsEntry> parse_site_security_state(std::string_view bytes) {
  std::vector<HstsEntry> out;
  for (std::size_t at = 0; at + kSlot <= bytes.size(); at += kSlot) {
    std::string_view slot = bytes.substr(at, kSlot);
    unsigned sum = 0;
    for (std::size_t i = 2; i < kSlot; i += 2) sum ^= be16(slot, i);
    if (sum != be16(slot, 0)) continue;
    std::string_view key = unpad(slot.substr(kKeyAt, kKeyLen));
    std::string_view value = unpad(slot.substr(kValueAt));
    if (key.empty()) continue;  // a free slot
    HstsEntry e;
    std::size_t caret = key.find('^');
    e.host = lower(key.substr(0, caret));
    if (caret != std::string_view::npos) e.origin_attributes = std::string(key.substr(caret + 1));
    // "expiry,state,includeSubdomains"; a value of another shape is not an HSTS entry.
    std::array<std::string, 3> fields;
    std::size_t n = 0, start = 0;
    for (; n < 3; ++n) {
      std::size_t comma = value.find(',', start);
      fields[n] = std::string(value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (n != 2) continue;
    try {
      std::size_t used = 0;
      e.expires_ms = std::stoll(fields[0], &used);
      if (used != fields[0].size()) continue;
      e.state = std::stoi(fields[1]);
    } catch (...) {
      continue;
    }
    e.include_subdomains = fields[2] == "1";
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<HstsEntry> read_site_security_state(const std::filesystem::path& profile) {
  std::ifstream in(profile / "SiteSecurityServiceState.bin", std::ios::binary);
  if (!in) return {};
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_site_security_state(bytes);
}

std::optional<HstsStatus> hsts_status(std::string_view host_in, const std::vector<HstsEntry>& entries, std::int64_t now_ms) {
  std::string host = lower(host_in);
  if (!host.empty() && host.back() == '.') host.pop_back();
  // Walk from the host up through its parents; the most specific entry decides.
  for (std::string_view domain = host; !domain.empty();) {
    const bool self = domain.size() == host.size();
    for (const auto& e : entries) {
      if (e.host != domain || e.expires_ms <= now_ms || (e.state != 1 && e.state != 2) || !first_party(e, host)) continue;
      if (e.state == 2 || (!self && !e.include_subdomains)) return std::nullopt;
      return HstsStatus{"profile", e.host, e.include_subdomains, e.expires_ms};
    }
    if (domain.find('.') == std::string_view::npos &&
        std::find(kPreloadedTlds.begin(), kPreloadedTlds.end(), domain) != kPreloadedTlds.end() && !self) {
      return HstsStatus{"preload", std::string(domain), true, 0};
    }
    std::size_t dot = domain.find('.');
    domain = dot == std::string_view::npos ? std::string_view() : domain.substr(dot + 1);
  }
  return std::nullopt;
}

}  // namespace certdoctor
