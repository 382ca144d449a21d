// Who writes a profile's trust, for tests that run once per format: certutil (Debian's NSS 3.87: CKO_NSS_TRUST
// objects, a profile an older Firefox wrote) or Firefox's own NSS (tests/support/firefox_certdb: CKO_TRUST objects,
// as Firefox ESR 153.8 writes them).
#pragma once
#include <map>
#include <sstream>
#include <string>

#include "profile.hpp"

namespace testing {

enum class Writer { certutil, firefox_nss };
inline const char* name_of(Writer w) { return w == Writer::certutil ? "certutil (CKO_NSS_TRUST)" : "Firefox's NSS (CKO_TRUST)"; }

inline void add_by(Writer by, Profile& p, const Issued& cert, const std::string& nickname, const std::string& trust) {
  by == Writer::certutil ? p.add(cert, nickname, trust) : p.add_as_firefox(cert, nickname, trust);
}

// The rows of nssPublic by object class (CKA_CLASS as the database stores it: "0000000B" CKO_TRUST, "CE534353"
// CKO_NSS_TRUST, "00000001" a certificate), read with sqlite3: what is stored, whichever NSS would read it.
inline std::map<std::string, int> objects_by_class(const Profile& p) {
  std::istringstream in(run_ok({"sqlite3", "-readonly", (p.dir() / "cert9.db").string(),
                                "SELECT hex(a0), count(*) FROM nssPublic GROUP BY a0"}));
  std::map<std::string, int> out;
  for (std::string line; std::getline(in, line);) {
    auto bar = line.find('|');
    if (bar != std::string::npos) out[line.substr(0, bar)] = std::stoi(line.substr(bar + 1));
  }
  return out;
}

}  // namespace testing
