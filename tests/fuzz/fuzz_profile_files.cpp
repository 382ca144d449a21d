// Fuzz target: files in a user's profile folder that certdoctor reads: profiles.ini / installs.ini (INI) and
// cert_override.txt (exceptions). The first byte chooses the parser.
#include <cstdint>
#include <string_view>

#include "ini.hpp"
#include "overrides.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    for (const auto& s : certdoctor::parse_ini(text)) (void)s.get("Path");
  } else {
    for (const auto& o : certdoctor::parse_cert_overrides(text)) (void)certdoctor::override_fingerprint(o.fingerprint);
  }
  return 0;
}
