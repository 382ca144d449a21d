#include "diagnosis/render_text.hpp"

#include <cstdio>
#include <sstream>
#include <utility>

#include "diagnosis/error_table.hpp"

namespace certdoctor {

using json = nlohmann::json;

namespace {

// Unicode's format characters (general category Cf, Unicode 15) and the line and paragraph separators: each changes
// how the text around it is shown while being invisible itself. The bidi controls U+202A-U+202E and U+2066-U+2069
// reorder a name ("moc.evil" shown as "live.com"); zero-width characters make two different names look equal.
constexpr std::pair<char32_t, char32_t> kInvisible[] = {
    {0x00ad, 0x00ad},   {0x0600, 0x0605},   {0x061c, 0x061c},   {0x06dd, 0x06dd},   {0x070f, 0x070f},
    {0x0890, 0x0891},   {0x08e2, 0x08e2},   {0x180e, 0x180e},   {0x200b, 0x200f},   {0x2028, 0x202e},
    {0x2060, 0x2064},   {0x2066, 0x206f},   {0xfeff, 0xfeff},   {0xfff9, 0xfffb},   {0x110bd, 0x110bd},
    {0x110cd, 0x110cd}, {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0001, 0xe0001},
    {0xe0020, 0xe007f},
};

bool invisible(char32_t c) {
  for (auto [lo, hi] : kInvisible) {
    if (c >= lo && c <= hi) return true;
  }
  return false;
}

// The code point of a well-formed UTF-8 sequence at s[i] and its length, or length 0.
std::pair<char32_t, std::size_t> decode(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return {0, 0};
  char32_t cp = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xc0) != 0x80) return {0, 0};
    cp = (cp << 6) | (b(k) & 0x3f);
  }
  return {cp, n};
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "";
  return visible_format(printable(it->is_string() ? it->get<std::string>() : it->dump()));
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
    out += (out.empty() ? "" : ", ") + visible_format(printable(v));
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

// A value that may hold several lines (commands), each made printable.
std::string lines(const json& j, const char* key) { return visible_format(printable(j.value(key, ""), true)); }

// What Firefox does once a conflict's certificate is gone (its `removal`).
std::string removal_text(const json& r) {
  std::string out = r["firefox_error"].is_null() ? "the page loads" : "Firefox shows " + str(r, "firefox_error");
  if (r.contains("path_root")) out += " (path to " + str(r, "path_root") + ")";
  return r.value("changes", false) ? out : out + " (no change)";
}

// The device the table recognised, and the permanent fix as commands (each line as printable text).
void device_text(std::ostringstream& o, const json& dev) {
  o << "\nThe device: " << str(dev, "vendor") << " " << str(dev, "product") << "\n";
  o << (dev.value("collision", "") == "twins"
            ? "  Every such device has the same factory identity: any two of them break each other in Firefox.\n"
            : "  It re-makes its certificate with the same serial: its old and new certificates break each other.\n");
  o << "  Known of its serials" << (dev.value("serial_fact_confirmed", false) ? "" : " (not confirmed by a source)")
    << ": " << str(dev, "serial_fact") << "\n";
  o << "  The fix for good: a certificate of its own.\n" << indent(str(dev, "install_hint"), "    ") << "\n";
  if (dev.contains("csr_command")) o << "    Its CSR:\n" << indent(lines(dev, "csr_command"), "      ") << "\n";
  o << "    Make the certificate:\n      " << str(dev, "reissue_command") << "\n";
  if (dev.contains("upload_command")) {
    o << "    Install it:\n" << indent(lines(dev, "upload_command"), "      ") << "\n";
  }
}

}  // namespace

std::string visible_format(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto [cp, n] = decode(s, i);
    if (n != 0 && invisible(cp)) {
      char name[24];
      std::snprintf(name, sizeof name, "\u27e8U+%04X\u27e9", static_cast<unsigned>(cp));
      out += name;
      i += n;
    } else {
      out += s[i++];  // anything else, malformed bytes included, as it was
    }
  }
  return out;
}

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
    if (auto e = f.value("explanation", ""); !e.empty()) o << indent(visible_format(printable(e, true)), "      ") << "\n";
    if (auto fix = f.value("fix", ""); !fix.empty()) {
      o << "      Fix:\n" << indent(visible_format(printable(fix, true)), "      ") << "\n";
    }
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
      if (k.contains("removal")) o << "     once removed       " << removal_text(k["removal"]) << "\n";
    }
  }
  if (d.contains("device")) device_text(o, d["device"]);

  const json& chain = d["chain"];
  o << "\nCertificates the server presented: " << chain.size() << "\n";
  for (std::size_t i = 0; i < chain.size(); ++i) certificate(o, chain[i], i);
  return o.str();
}

}  // namespace certdoctor
