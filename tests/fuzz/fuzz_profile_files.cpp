// Fuzz target: files in a user's profile folder that certdoctor reads: profiles.ini / installs.ini (INI),
// cert_override.txt (exceptions) and SiteSecurityServiceState.bin (HSTS). The first byte chooses the parser.
#include <cstdint>
#include <string_view>

#include "profile/hsts.hpp"
#include "profile/ini.hpp"
#include "profile/overrides.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      for (const auto& o : certdoctor::parse_cert_overrides(text)) (void)certdoctor::override_fingerprint(o.fingerprint);
      break;
    case 1:
      for (const auto& s : certdoctor::parse_ini(text)) (void)s.get("Path");
      break;
    default: {
      auto entries = certdoctor::parse_site_security_state(text);
      for (const auto& e : entries) (void)certdoctor::hsts_status("a." + e.host, entries, 0);
    }
  }
  return 0;
}
