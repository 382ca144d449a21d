#include "diagnosis/render_text.hpp"

#include <cstdio>
#include <sstream>
#include <utility>

#include "diagnosis/error_table.hpp"
#include "reissue/device_advice.hpp"

namespace certdoctor {

using json = nlohmann::json;

namespace {

// A value from a server, a certificate or a profile, safe to print: no escape sequence, no hidden format character.
std::string show(const std::string& s) { return visible_format(printable(s)); }

std::string indent(const std::string& text, const std::string& pad) {
  std::string out = pad;
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& v : list) out += (out.empty() ? "" : ", ") + show(v);
  return out.empty() ? "(none)" : out;
}

std::string names(const std::vector<GeneralName>& list) {
  std::vector<std::string> typed;
  for (const auto& n : list) typed.push_back(n.type + ":" + n.value);
  return names(typed);
}

void certificate(std::ostream& o, const CertificateDescription& c, std::size_t i) {
  auto line = [&](const char* label, const std::string& value) {
    char pad[24];
    std::snprintf(pad, sizeof pad, "     %-18s", label);
    o << pad << value << "\n";
  };
  o << "  #" << i << " " << show(c.subject) << "\n";
  if (c.parse_error) {
    line("problem", show(*c.parse_error));
  } else {
    line("issuer", show(c.issuer));
    line("serial", show(c.serial));
    line("valid", show(c.not_before) + " to " + show(c.not_after));
    const PublicKeyInfo& k = c.public_key;
    std::string key = show(k.type) + (k.bits ? " " + std::to_string(*k.bits) + " bits" : "");
    if (k.curve) key += " (" + show(*k.curve) + ")";
    line("key", key);
    line("signature", show(c.signature_algorithm));
    if (c.subject_alt_names) line("alt names", names(*c.subject_alt_names));
    if (const auto& b = c.basic_constraints) {
      std::string bc = b->ca ? "CA" : "not a CA";
      if (b->path_len) bc += ", path length " + std::to_string(*b->path_len);
      line("basic constraints", bc + (b->critical ? " (critical)" : ""));
    }
    if (c.key_usage) line("key usage", names(c.key_usage->usages));
    if (c.extended_key_usage) line("extended usage", names(c.extended_key_usage->purposes));
    if (const auto& n = c.name_constraints) {
      line("name constraints", "permitted " + names(n->permitted) + "; excluded " + names(n->excluded));
    }
    if (const auto& a = c.authority_info_access) {
      if (!a->ca_issuers.empty()) line("issuer URL", names(a->ca_issuers));
      if (!a->ocsp.empty()) line("OCSP", names(a->ocsp));
    }
  }
  line("sha256", show(c.sha256));
}

// What Firefox does once a conflict's certificate is gone.
std::string removal_text(const RemovalEffect& r) {
  std::string out = r.firefox_error ? "Firefox shows " + show(*r.firefox_error) : "the page loads";
  if (!r.path_root.empty()) out += " (path to " + show(r.path_root) + ")";
  return r.changes ? out : out + " (no change)";
}

// The device the table recognised (its advice, diagnosis' `device`), and the permanent fix as commands.
void device_text(std::ostringstream& o, const json& dev) {
  const auto text = [&](const char* key) { return show(dev.value(key, "")); };
  const auto lines = [&](const char* key) { return visible_format(printable(dev.value(key, ""), true)); };
  o << "\nThe device: " << text("vendor") << " " << text("product") << "\n";
  o << (dev.value("collision", "") == "twins"
            ? "  Every such device has the same factory identity: two of them break each other in Firefox once one\n"
              "  is trusted (its CA trusted in the profile) or stored; accepted only through an exception, rarely.\n"
            : "  It re-makes its certificate with the same serial: its old and new certificates break each other once\n"
              "  the old one is stored or was trusted through a CA.\n");
  o << "  Known of its serials" << (dev.value("serial_fact_confirmed", false) ? "" : " (not confirmed by a source)")
    << ": " << text("serial_fact") << "\n";
  o << "  The fix for good: a certificate of its own.\n" << indent(text("install_hint"), "    ") << "\n";
  if (dev.contains("csr_command")) o << "    Its CSR:\n" << indent(lines("csr_command"), "      ") << "\n";
  o << "    Make the certificate:\n      " << text("reissue_command") << "\n";
  if (dev.contains("upload_command")) o << "    Install it:\n" << indent(lines("upload_command"), "      ") << "\n";
}

}  // namespace

std::string render_text(const Diagnosis& d) {
  std::ostringstream o;
  o << "certdoctor diagnosis of " << show(d.url) << "\n";
  if (d.reported_error) o << "Firefox reported: " << show(*d.reported_error) << "\n";
  if (d.judged) o << "Firefox will show: " << (d.firefox_error ? show(*d.firefox_error) : "no error (the page loads)") << "\n";
  if (const auto& c = d.connection) {
    o << "Connection: " << show(c->address) << " port " << c->port;
    if (!c->proxy.empty()) o << " (through proxy " << show(c->proxy) << ")";
    if (!c->version.empty()) {
      o << ", " << show(c->version) << " " << show(c->cipher);
      if (!c->group.empty()) o << " " << show(c->group);
    }
    o << "\n";
  }
  if (d.profile) {
    o << "Profile: " << show(d.profile->path) << " (" << show(d.profile->reason) << ")\n";
    if (const auto& n = d.profile->nss) {
      o << "  read with " << (n->library == "system" ? "the system's NSS " : "Firefox's own NSS ") << show(n->version)
        << (n->dir.empty() ? "" : " from " + show(n->dir)) << " (" << show(n->source) << ")\n";
      if (!n->problem.empty()) o << "  Firefox's own NSS could not be used: " << show(n->problem) << "\n";
      // An older NSS finds CKO_TRUST objects (certdoctor reads them itself) but cannot write them back.
      if (!n->applies_pkcs11_trust) {
        o << "  This NSS predates trust stored as CKO_TRUST (NSS 3.114): a certificate with such trust is not removed\n";
      }
      if (!n->sees_pkcs11_trust) {
        o << "  This NSS refused to search for trust stored as CKO_TRUST objects: trust Firefox stored since NSS 3.114 is\n"
             "  not seen (a root Firefox trusts or distrusts reads as neither), and no certificate is removed\n";
      }
    }
  }

  o << "\n";
  if (d.findings.empty()) o << "Findings: none\n";
  else o << "Findings\n";
  for (const auto& finding : d.findings) {
    const json f = render_finding(finding);
    o << "  [" << show(f.value("severity", "")) << "] " << show(f.value("title", "")) << "  (" << show(finding.code) << ")\n";
    if (auto e = f.value("explanation", ""); !e.empty()) o << indent(visible_format(printable(e, true)), "      ") << "\n";
    if (auto fix = f.value("fix", ""); !fix.empty()) {
      o << "      Fix:\n" << indent(visible_format(printable(fix, true)), "      ") << "\n";
    }
  }

  if (d.conflicts && !d.conflicts->empty()) {
    o << "\nStored in the profile and in conflict with the site: " << d.conflicts->size() << "\n";
    for (const auto& k : *d.conflicts) {
      o << "  '" << show(k.nickname) << "' (trust \"" << show(k.trust) << "\") vs. served #" << k.cert << "\n";
      o << "     subject            " << show(k.stored.subject) << "\n";
      o << "     issuer             " << show(k.stored.issuer) << "\n";
      o << "     serial             " << show(k.stored.serial) << "\n";
      o << "     valid              " << show(k.stored.not_before) << " to " << show(k.stored.not_after) << "\n";
      o << "     sha256             " << show(k.sha256) << "\n";
      o << "     removable          " << (k.removable ? std::string("yes") : "only with --allow-trusted: " + show(k.caution))
        << "\n";
      if (k.removal) o << "     once removed       " << removal_text(*k.removal) << "\n";
    }
  }
  if (d.device) device_text(o, device_advice(*d.device, d.url, d.host));

  o << "\nCertificates the server presented: " << d.chain.size() << "\n";
  for (std::size_t i = 0; i < d.chain.size(); ++i) certificate(o, d.chain[i], i);
  return o.str();
}

}  // namespace certdoctor
