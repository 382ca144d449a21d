// A diagnosis as data: what the engine found about one site, before any of it becomes JSON or words. The
// orchestration (diagnose.cpp) fills it; diagnosis_json.cpp (the protocol's object, docs/PROTOCOL.md) and
// render_text.cpp (the CLI's text) are its only serialisers. Findings stay a code and values until then.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/finding.hpp"
#include "certificate/cert_info.hpp"
#include "devices/device_table.hpp"
#include "fetch/tls_fetch.hpp"
#include "firefox/held_identity.hpp"
#include "firefox/shown_error.hpp"

namespace certdoctor {

// Which NSS read the profile (profile/firefox_nss.hpp), and what it can do with the trust Firefox stores today.
struct NssUsed {
  std::string library;     // "firefox" (an installation's own NSS) or "system"
  std::string dir;         // the installation's folder; empty for the system's
  std::string source;      // how it was chosen: "--firefox", "parent process", "compatibility.ini", "known location", "system"
  std::string version;     // its software token's version, "3.125"
  bool applies_pkcs11_trust = false;  // it knows CKO_TRUST objects (NSS 3.114 and later): it can restore them
  bool sees_pkcs11_trust = true;      // its token answered the searches for CKO_TRUST objects (see NssStore)
  std::string problem;     // why the owning Firefox's NSS was not used, when it was not
};

// The profile the diagnosis compared with, and why that one.
struct ProfileUsed {
  std::string path, source, reason;
  std::optional<NssUsed> nss;  // set when the profile's database was opened
};

// What Firefox would show once a stored certificate is gone: judged again without it (stored_culprits.cpp).
struct RemovalEffect {
  std::optional<std::string> firefox_error;  // nullopt: the page loads
  std::string path_root;                     // subject of the anchor the path then ends at; empty without a path
  bool changes = false;                      // whether that differs from the verdict now
};

// A stored certificate that breaks the site (conflicts.cpp, stored_culprits.cpp).
struct Conflict {
  std::string sha256, nickname, trust;         // as stored: the store's digest, label and certutil-style trust
  CertificateDescription stored;               // the stored certificate, described
  int cert = 0;                                // index of the served certificate it conflicts with
  std::string reason;                          // "same_issuer_and_serial", "issuer_name_other_key", "distrusted",
                                               // "stale_anchor"
  bool removable = true;                       // without --allow-trusted
  std::string caution;                         // why --allow-trusted is needed, when it is
  std::optional<RemovalEffect> removal;        // set once the chain was judged
};

// One certificate of the path Firefox would build, and where it came from ("served", "profile", "builtin").
struct PathStep {
  CertificateDescription cert;
  std::string source;
};

// Another open site compared with this one (compare.cpp): did it serve a certificate with one of ours' issuer and
// serial but other DER?
struct ComparedMatch {
  int cert = 0;        // index of our served certificate
  int other_cert = 0;  // index in that site's chain
  std::string other_sha256, other_subject;
};
struct ComparedSite {
  std::string url;
  std::string status;   // "conflict", "no_conflict", "unreachable", "same_site", "not_checked"
  std::string reason;   // unreachable: the finding code; not_checked: "limit" or "deadline"
  std::string subject;  // that site's leaf, when it answered
  std::vector<ComparedMatch> matches;
  // With matches: what Firefox does with the diagnosed site while this one is held (firefox/held_identity.hpp):
  // "refused" (this site loads through a trust anchor) or "may_be_refused", at the measured frequency.
  std::string prediction;
  std::optional<TwinFrequency> measured;
};

struct Diagnosis {
  std::string url, host;
  std::uint16_t port = 0;
  std::optional<std::string> reported_error;
  std::optional<TlsSession> connection;
  std::vector<std::string> chain_der;           // as served, leaf first
  std::vector<CertificateDescription> chain;    // the same, described
  const DeviceInfo* device = nullptr;           // the device table's row for the leaf's factory certificate
  std::optional<ProfileUsed> profile;
  std::optional<std::vector<Conflict>> conflicts;  // set when the profile's store could be searched
  std::optional<std::vector<ComparedSite>> compared;  // set when the request named other sites
  std::vector<PathStep> path;                   // empty when no path to a trust anchor was built
  std::optional<bool> root_is_builtin;          // set when the chain was judged
  std::optional<std::vector<ExceptionMatch>> exceptions;  // set when judged with a profile
  std::optional<HstsStatus> hsts;
  // What Firefox shows: not judged (nothing said), the page loads (judged, no error), or an error by name.
  bool judged = false;
  std::optional<std::string> firefox_error;
  std::optional<bool> overridable;              // set with an error from the verdict
  std::vector<Finding> findings;                // in the order they are told
};

}  // namespace certdoctor
