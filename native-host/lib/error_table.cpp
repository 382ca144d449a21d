#include "error_table.hpp"

#include <sslerr.h>

#include <algorithm>

namespace certdoctor {
namespace {

// A row for an error Firefox shows: the name and the number both come from NSS's own headers.
#define FIREFOX_ERROR(name, severity, title, explanation, fix) \
  ErrorRow { #name, name, Severity::severity, title, explanation, fix }
#define CONDITION(code, severity, title, explanation, fix) \
  ErrorRow { code, 0, Severity::severity, title, explanation, fix }

constexpr ErrorRow kTable[] = {
    // --- Reaching the server -------------------------------------------------------------------------------
    CONDITION("dns_failed", error, "The name {host} could not be resolved",
              "certdoctor looked up {host} and got: {detail}. Firefox may reach the site another way (a proxy, "
              "DNS over HTTPS, a hosts entry), so this says nothing yet about the certificate.",
              "Check the name. If Firefox reaches the site at a known address, tell certdoctor where it is:\n"
              "  certdoctor diagnose {url|sh} --resolve {host_port|sh}:ADDRESS"),
    CONDITION("connection_refused", error, "{address} refused the connection on port {port}",
              "Nothing accepts connections on {address} port {port}: the service is down, listens on another "
              "port, or a firewall rejects the connection.",
              "Check that the service runs and listens on port {port}, then diagnose again."),
    CONDITION("connect_failed", error, "Could not connect to {address} port {port}",
              "The connection to {address} port {port} failed: {detail}.",
              "Check the network path to the server (routing, VPN, firewall), or give the proxy Firefox uses "
              "with --proxy."),
    CONDITION("connect_timeout", error, "No answer from {host} port {port} within {seconds} s",
              "The server did not accept a connection in time: it is down, or a firewall silently drops the "
              "packets.",
              "Check that the server is up and reachable from this machine; if Firefox uses a proxy, pass it "
              "with --proxy."),
    CONDITION("proxy_failed", error, "The proxy {proxy} did not open a tunnel to {host_port}",
              "certdoctor asked the HTTP proxy {proxy} for a tunnel (CONNECT) and it answered: {detail}.",
              "Check the proxy address and that it allows CONNECT to port {port}."),
    CONDITION("not_tls", error, "{host_port} does not speak TLS",
              "The server answered, but not with TLS ({detail}). It may be a plain-HTTP port, another protocol, "
              "or a device that expects a different port for HTTPS.",
              "Check the port: HTTPS is usually 443 (devices often use 8443 or 4443). Try http:// if the "
              "service is plain HTTP."),
    CONDITION("connection_closed", error, "{host_port} closed the connection during the TLS handshake",
              "The server accepted the connection and then closed it before the handshake finished ({detail}). "
              "Old devices do this when they find nothing they support in the client's offer; some close on "
              "clients they do not like.",
              "Check the server's TLS settings and logs; make sure it offers TLS 1.2 or newer with a modern "
              "cipher."),
    CONDITION("handshake_timeout", error, "{host_port} did not complete the TLS handshake within {seconds} s",
              "The server accepted the connection but stalled during the handshake.",
              "Check the server's load and TLS configuration; a device may need a restart of its web service."),
    CONDITION("handshake_failed", error, "The TLS handshake with {host_port} failed",
              "The handshake failed: {detail}.",
              "Check the server's TLS configuration: TLS 1.2 or 1.3, a modern cipher, and a certificate."),
    CONDITION("no_certificate", error, "{host_port} sent no certificate",
              "The handshake completed without a server certificate (an anonymous cipher).",
              "Configure the server with a certificate and disable anonymous ciphers."),
    FIREFOX_ERROR(SSL_ERROR_UNSUPPORTED_VERSION, error, "{host_port} speaks only {version}, which Firefox refuses",
                  "Firefox requires TLS 1.2 or newer by default; the best this server offers is {version}. "
                  "Old management interfaces (iDRAC, iLO, switches) often stay on TLS 1.0 until their firmware "
                  "is updated.",
                  "Update the device's firmware or enable TLS 1.2 in its settings. As a stop-gap, Firefox's "
                  "error page offers to enable TLS 1.0 and 1.1 (pref security.tls.version.enable-deprecated)."),
    FIREFOX_ERROR(SSL_ERROR_NO_CYPHER_OVERLAP, error, "{host_port} offers no cipher Firefox supports",
                  "The server and certdoctor agreed on {cipher}, which Firefox does not offer.",
                  "Enable a modern cipher suite on the server (ECDHE with AES-GCM or ChaCha20-Poly1305)."),

    // --- Stored certificates that break the site (conflicts) -----------------------------------------------------
    CONDITION("stale_copy", error, "The profile holds an old copy of this server's certificate",
              "The server's certificate was re-made with its old serial number ({serial}) and the same issuer, "
              "while this profile still stores the previous certificate as '{nickname}'. Firefox takes issuer "
              "and serial as a certificate's identity, sees two different certificates with one identity, and "
              "refuses the site (SEC_ERROR_REUSED_ISSUER_AND_SERIAL).",
              "Remove the old copy (a backup is kept; 'certdoctor undo' puts it back):\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256}\n"
              "So that it cannot happen again, have the server's certificate made with a random serial."),
    CONDITION("shared_device_serial", error, "Two devices present certificates with the same issuer and serial",
              "This device ({served_names}) and another one the profile knows ({stored_names}, stored as "
              "'{nickname}') use self-made certificates with the same issuer name and serial {serial}: typical "
              "of network gear that makes its certificate with a fixed serial. Firefox can hold only one of "
              "them per issuer and serial.",
              "Best: give each device a certificate with a unique random serial (its web interface usually "
              "offers to generate or upload one; with openssl add -set_serial 0x$(openssl rand -hex 16)).\n"
              "Meanwhile, removing the stored certificate of the other device lets this one load (the other "
              "device will then show this error in turn):\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256}"),
    CONDITION("ca_serial_reuse", error, "The CA {issuer} issued two certificates with the same serial",
              "The profile stores '{nickname}' ({stored_subject}), issued by the same CA with the same serial "
              "{serial} as this site's certificate ({subject}). Serials must be unique per issuer; a CA run with "
              "bare openssl commands often reuses serial 1.",
              "Re-issue this site's certificate with a unique serial (openssl x509 -req ... "
              "-set_serial 0x$(openssl rand -hex 16), or use 'openssl ca' with a serial file). Meanwhile, "
              "removing the stored certificate lets this site load:\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256}"),
    CONDITION("stale_intermediate", error, "The profile holds an old intermediate certificate with the same serial",
              "The server sends the intermediate {subject} (serial {serial}), but the profile stores a different "
              "certificate with the same issuer and serial as '{nickname}'. Firefox then cannot build the chain "
              "and reports SEC_ERROR_UNKNOWN_ISSUER.",
              "Remove the stored intermediate:\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256}\n"
              "and make sure the CA issues intermediates with fresh serials."),
    CONDITION("stale_issuer", warning, "The profile holds an older {issuer} with another key",
              "'{nickname}' (trust {trust}) carries the name of this certificate's issuer but not the key that "
              "signed it: the CA was re-made under its old name. Firefox finds the stored one, cannot verify "
              "with it, and reports SEC_ERROR_UNKNOWN_ISSUER unless the new CA certificate is also known.",
              "Import the CA's new certificate (Settings > Certificates > Authorities > Import), and remove the "
              "old one if nothing else still needs it:\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256} --allow-trusted"),
    CONDITION("live_connection_conflict", warning,
              "Another open connection uses a certificate with the same issuer and serial",
              "Nothing stored in this profile conflicts with this site's certificate (issuer {issuer}, serial "
              "{serial}). Firefox also compares with certificates of connections it holds open: another device "
              "with the same issuer and serial (typically a twin of this one, visited recently) is still "
              "connected.",
              "Close the tabs of the other device and wait a minute for its connection to idle out (or restart "
              "Firefox), then reload. For good, give the devices certificates with unique serials."),

    // --- The profile ------------------------------------------------------------------------------------------
    CONDITION("profile_not_found", warning, "No Firefox profile was found",
              "certdoctor looked in {searched} and found no profile with a certificate database, so it "
              "cannot check what this Firefox has stored.",
              "Name the profile folder (the one holding cert9.db):\n"
              "  certdoctor diagnose {url|sh} --profile ~/.mozilla/firefox/XXXXXXXX.default-release"),
    CONDITION("profile_unusable", warning, "The profile {path} cannot be used",
              "{detail}.",
              "Check the path: it must be a Firefox profile folder holding cert9.db, readable by this user."),

    // --- The certificate database ---------------------------------------------------------------------------------
    CONDITION("store_missing", warning, "No certificate database in {path}", "{detail}.",
              "Name a Firefox profile folder, the one that holds cert9.db."),
    CONDITION("store_unreadable", warning, "The certificate database in {path} cannot be read", "{detail}.",
              "Run certdoctor as the user who owns the profile."),
    CONDITION("store_corrupt", error, "The certificate database in {path} cannot be opened", "{detail}.",
              "Firefox may be able to repair it at its next start. Keep a copy of cert9.db before anything else."),
    CONDITION("store_read_only", error, "The certificate database in {path} is read-only", "{detail}.",
              "Run certdoctor as the profile's owner, or make the profile writable."),
    CONDITION("store_password", error, "The profile {path} is protected by a Primary Password", "{detail}.",
              "Remove the certificate in Firefox (Settings > Certificates) after entering the Primary Password."),
    CONDITION("store_failed", error, "The certificate database in {path} could not be used", "{detail}.",
              "Try again; if another program holds the database, close it first."),
};

#undef FIREFOX_ERROR
#undef CONDITION

}  // namespace

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "error";
}

std::span<const ErrorRow> error_table() { return kTable; }

const ErrorRow* find_error_row(std::string_view code) {
  auto it = std::find_if(std::begin(kTable), std::end(kTable), [&](const ErrorRow& r) { return r.code == code; });
  return it == std::end(kTable) ? nullptr : &*it;
}

const ErrorRow* find_error_row(int nss_code) {
  if (nss_code == 0) return nullptr;
  auto it = std::find_if(std::begin(kTable), std::end(kTable),
                         [&](const ErrorRow& r) { return r.nss_code == nss_code; });
  return it == std::end(kTable) ? nullptr : &*it;
}

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\"'\"'";
    else out += c;
  }
  return out + "'";
}

std::string printable(std::string_view s, bool keep_newlines) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool control = c < 0x20 || c == 0x7f;
    // C1 controls (U+0080..U+009F) arrive in UTF-8 as 0xC2 0x80..0x9F; terminals honour some of them.
    bool c1 = c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(s[i + 1]) <= 0x9f;
    if (keep_newlines && (c == '\n' || c == '\t')) control = false;
    if (control) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c1) {
      auto d = static_cast<unsigned char>(s[++i]);
      out += "\\u00";
      out += hex[d >> 4];
      out += hex[d & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {

std::string value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : ", ") + value_text(e);
    return out;
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string render_template(std::string_view tpl, const nlohmann::json& values) {
  std::string out;
  std::size_t i = 0;
  while (i < tpl.size()) {
    std::size_t open = tpl.find('{', i);
    std::size_t close = open == std::string_view::npos ? open : tpl.find('}', open);
    if (close == std::string_view::npos) {
      out.append(tpl.substr(i));
      break;
    }
    out.append(tpl.substr(i, open - i));
    std::string_view key = tpl.substr(open + 1, close - open - 1);
    bool quote = false;
    if (auto bar = key.find('|'); bar != std::string_view::npos) {
      quote = key.substr(bar + 1) == "sh";
      key = key.substr(0, bar);
    }
    auto it = values.is_object() ? values.find(std::string(key)) : values.end();
    std::string text = it == values.end() ? "?" : value_text(*it);
    out += quote ? shell_quote(text) : printable(text);
    i = close + 1;
  }
  return out;
}

nlohmann::json render_finding(const Finding& f) {
  nlohmann::json j = {{"code", f.code}};
  const ErrorRow* row = find_error_row(f.code);
  j["severity"] = to_string(row ? row->severity : Severity::error);
  if (row && row->nss_code) j["nss_code"] = row->nss_code;
  if (f.cert) j["cert"] = *f.cert;
  if (!f.field.empty()) j["field"] = f.field;
  j["values"] = f.values;
  j["title"] = row ? render_template(row->title, f.values) : f.code;
  j["explanation"] = row ? render_template(row->explanation, f.values) : "";
  j["fix"] = row ? render_template(row->fix, f.values) : "";
  return j;
}

}  // namespace certdoctor
