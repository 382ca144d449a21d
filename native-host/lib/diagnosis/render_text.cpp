#include "diagnosis/render_text.hpp"

#include <cstdio>
#include <sstream>

#include "diagnosis/error_table.hpp"

namespace certdoctor {

using json = nlohmann::json;

namespace {

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  return printable(it->is_string() ? it->get<std::string>() : it->dump());
}

std::string indent(const std::string& text, const std::string& pad) {
  std::string out = pad;
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

std::string names(const json& list) {
  std::string out;
  for (const auto& n : list) {
    std::string v = n.is_object() ? n.value("type", "") + ":" + n.value("value", "") : n.get<std::string>();
    out += (out.empty() ? "" : ", ") + printable(v);
  }
  return out.empty() ? "(none)" : out;
}

void certificate(std::ostream& o, const json& c, std::size_t i) {
  auto line = [&](const char* label, const std::string& value) {
    char pad[24];
    std::snprintf(pad, sizeof pad, "     %-18s", label);
    o << pad << value << "\n";
  };
  o << "  #" << i << " " << str(c, "subject") << "\n";
  if (c.contains("parse_error")) {
    line("problem", str(c, "parse_error"));
  } else {
    line("issuer", str(c, "issuer"));
    line("serial", str(c, "serial"));
    line("valid", str(c, "not_before") + " to " + str(c, "not_after"));
    const json& k = c["public_key"];
    std::string key = str(k, "type") + (k.contains("bits") ? " " + str(k, "bits") + " bits" : "");
    if (k.contains("curve")) key += " (" + str(k, "curve") + ")";
    line("key", key);
    line("signature", str(c, "signature_algorithm"));
    if (c.contains("subject_alt_names")) line("alt names", names(c["subject_alt_names"]));
    if (c.contains("basic_constraints")) {
      const json& b = c["basic_constraints"];
      std::string bc = b.value("ca", false) ? "CA" : "not a CA";
      if (b.contains("path_len")) bc += ", path length " + str(b, "path_len");
      line("basic constraints", bc + (b.value("critical", false) ? " (critical)" : ""));
    }
    if (c.contains("key_usage")) line("key usage", names(c["key_usage"]["usages"]));
    if (c.contains("extended_key_usage")) line("extended usage", names(c["extended_key_usage"]["purposes"]));
    if (c.contains("name_constraints")) {
      line("name constraints", "permitted " + names(c["name_constraints"]["permitted"]) + "; excluded " +
                                   names(c["name_constraints"]["excluded"]));
    }
    if (c.contains("authority_info_access")) {
      const json& a = c["authority_info_access"];
      if (!a["ca_issuers"].empty()) line("issuer URL", names(a["ca_issuers"]));
      if (!a["ocsp"].empty()) line("OCSP", names(a["ocsp"]));
    }
  }
  line("sha256", str(c, "sha256"));
}

}  // namespace

std::string render_text(const json& d) {
  std::ostringstream o;
  o << "certdoctor diagnosis of " << str(d, "url") << "\n";
  if (d.contains("reported_error")) o << "Firefox reported: " << str(d, "reported_error") << "\n";
  if (d.contains("firefox_error")) {
    o << "Firefox will show: " << (d["firefox_error"].is_null() ? "no error (the page loads)" : str(d, "firefox_error")) << "\n";
  }
  if (d.contains("connection")) {
    const json& c = d["connection"];
    o << "Connection: " << str(c, "address") << " port " << str(c, "port");
    if (c.contains("proxy")) o << " (through proxy " << str(c, "proxy") << ")";
    if (c.contains("tls_version")) {
      o << ", " << str(c, "tls_version") << " " << str(c, "cipher");
      if (c.contains("group")) o << " " << str(c, "group");
    }
    o << "\n";
  }
  if (d.contains("profile")) {
    o << "Profile: " << str(d["profile"], "path") << " (" << str(d["profile"], "reason") << ")\n";
  }

  const json& findings = d["findings"];
  o << "\n";
  if (findings.empty()) o << "Findings: none\n";
  else o << "Findings\n";
  for (const auto& f : findings) {
    o << "  [" << str(f, "severity") << "] " << str(f, "title") << "  (" << str(f, "code") << ")\n";
    if (auto e = f.value("explanation", ""); !e.empty()) o << indent(printable(e, true), "      ") << "\n";
    if (auto fix = f.value("fix", ""); !fix.empty()) o << "      Fix:\n" << indent(printable(fix, true), "      ") << "\n";
  }

  if (d.contains("conflicts") && !d["conflicts"].empty()) {
    o << "\nStored in the profile and in conflict with the site: " << d["conflicts"].size() << "\n";
    for (const auto& k : d["conflicts"]) {
      o << "  '" << str(k, "nickname") << "' (trust \"" << str(k, "trust") << "\") vs. served #" << str(k, "cert") << "\n";
      o << "     subject            " << str(k, "subject") << "\n";
      o << "     issuer             " << str(k, "issuer") << "\n";
      o << "     serial             " << str(k, "serial") << "\n";
      o << "     valid              " << str(k, "not_before") << " to " << str(k, "not_after") << "\n";
      o << "     sha256             " << str(k, "sha256") << "\n";
      o << "     removable          "
        << (k.value("removable", false) ? std::string("yes") : "only with --allow-trusted: " + str(k, "caution")) << "\n";
    }
  }

  const json& chain = d["chain"];
  o << "\nCertificates the server presented: " << chain.size() << "\n";
  for (std::size_t i = 0; i < chain.size(); ++i) certificate(o, chain[i], i);
  return o.str();
}

}  // namespace certdoctor
