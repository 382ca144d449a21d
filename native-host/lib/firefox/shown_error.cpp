#include "firefox/shown_error.hpp"

#include "base/hex.hpp"
#include "profile/overrides.hpp"

namespace certdoctor {

ShownError shown_error(const Verdict& v, std::string_view served_leaf_der, const SiteAddress& site,
                       const std::optional<std::filesystem::path>& profile, std::int64_t now) {
  ShownError shown;
  // Exceptions the user added on Firefox's error page for this host and port (the default context only).
  bool exception_covers = false;
  shown.served_fingerprint = override_fingerprint(sha256_hex(served_leaf_der));
  if (profile) {
    const std::string& served_fp = shown.served_fingerprint;
    shown.exceptions.emplace();
    for (const auto& o : read_cert_overrides(*profile)) {
      if (o.host != site.host || o.port != site.port || !o.origin_attributes.empty()) continue;
      const bool matches = o.fingerprint == served_fp;
      exception_covers |= matches;
      shown.exceptions->push_back({site.host_port, o.fingerprint, matches});
    }
  }
  shown.hsts = hsts_status(site.host, profile ? read_site_security_state(*profile) : std::vector<HstsEntry>{},
                           now * 1000);
  if (v.result == pkix::Result::Success) return shown;
  if (v.overridable && exception_covers && !shown.hsts) {
    shown.exception_applies = true;
    return shown;
  }
  shown.error = v.result;
  shown.overridable = v.overridable && !shown.hsts;
  return shown;
}

}  // namespace certdoctor
