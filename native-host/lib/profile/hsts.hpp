// HTTP Strict Transport Security as Firefox records it. On an HSTS host Firefox offers no way past a certificate
// error, and ignores the exceptions in cert_override.txt (measured with ESR 153: tests/browser/e2e-hsts.mjs).
//
// Firefox keeps what sites told it in SiteSecurityServiceState.bin in the profile, written while it runs. The
// format, learnt by measurement (a site sending the header to a real Firefox, the file read back): fixed slots of
// 286 bytes, big-endian numbers —
//   [0..2)   checksum: XOR of the slot's 16-bit words from byte 2 to the end
//   [2..4)   score (how often the entry was used)   [4..6) day of last use (days since 1970)
//   [6..262) key, NUL-padded: "host" or "host^originAttributes" (e.g. ^partitionKey=%28https%2Chost%29)
//   [262..286) value, NUL-padded: "expiryMillis,state,includeSubdomains" (state 1 = HSTS set, 2 = knocked out)
// A slot whose checksum does not hold is skipped, as a damaged slot must not make a site look protected.
//
// Firefox also has a preload list compiled into libxul, which cannot be read from outside. Of it, certdoctor knows
// only the top-level domains preloaded whole by their registries (.dev, .app, ...): see hsts.cpp.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certdoctor {

struct HstsEntry {
  std::string host;               // lower-case
  std::string origin_attributes;  // after '^', empty for the default context
  std::int64_t expires_ms = 0;
  int state = 0;                  // 1 = set, 2 = knocked out (the site sent max-age=0), others unset
  bool include_subdomains = false;
};

std::vector<HstsEntry> parse_site_security_state(std::string_view bytes);
std::vector<HstsEntry> read_site_security_state(const std::filesystem::path& profile);

// Why Firefox treats `host` as an HSTS host, if it does.
struct HstsStatus {
  std::string source;  // "profile" (SiteSecurityServiceState.bin) or "preload" (a wholly preloaded domain)
  std::string domain;  // the entry that covers host: host itself or a parent with includeSubdomains
  bool include_subdomains = false;
  std::int64_t expires_ms = 0;  // 0 for preloaded

  std::string expires() const;  // ISO 8601 UTC, "" for preloaded
};

// `entries` from the profile; `now_ms` the current time. The nearest entry wins, as in Firefox: a knocked-out
// or expired entry for the host itself hides a parent's includeSubdomains.
std::optional<HstsStatus> hsts_status(std::string_view host, const std::vector<HstsEntry>& entries, std::int64_t now_ms);

}  // namespace certdoctor
