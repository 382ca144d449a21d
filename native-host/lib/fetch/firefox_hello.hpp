// Firefox ESR 153.8's ClientHello as one table of facts, and an OpenSSL handshake that offers the same, so that
// the handshake's outcome (loads, or which error page) is the one Firefox meets. Measured, not guessed:
// `node tests/browser/client-hello.mjs firefox` captures the browser's hello on loopback and prints these facts;
// `client-hello.mjs compare` (in CTest) checks certdoctor's hello against Firefox's.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace certdoctor {

// One cipher suite Firefox knows, in the order Firefox offers them.
struct FirefoxSuite {
  std::uint16_t code;   // IANA code point
  const char* iana;     // IANA name (as the DisabledCiphers policy names it)
  const char* openssl;  // OpenSSL's name
  const char* pref;     // the pref that switches it in about:config
  bool on;              // offered by default
  bool tls13;
  bool deprecated;      // offered only while security.tls.version.enable-deprecated is true (3DES)
};
const std::vector<FirefoxSuite>& firefox_suites();

// TLS versions as Firefox's prefs number them: 1 = TLS 1.0 ... 4 = TLS 1.3.
std::string tls_version_name(int firefox_number);

// What this profile's Firefox offers: the defaults, changed by the profile's prefs (and policies).
struct FirefoxOffer {
  int version_min = 3;  // Firefox's numbering (see tls_version_name)
  int version_max = 4;
  bool deprecated_enabled = false;       // security.tls.version.enable-deprecated
  std::vector<const FirefoxSuite*> suites;
  std::vector<std::string> changed_by;   // "pref=value" for every setting that changed the default offer
};

// `prefs`: a JSON object, Firefox pref name -> value (profile/prefs reads it from prefs.js, user.js and the
// enterprise policies, translated to the prefs they lock). Unknown or ill-typed values keep the default, as
// Firefox does.
FirefoxOffer firefox_offer(const nlohmann::json& prefs);

// Sets up `ctx` to offer what `offer` says, in Firefox's order, with Firefox's groups and signature algorithms
// and the extensions that change how servers answer. Returns false when OpenSSL refuses a setting.
bool apply_firefox_offer(SSL_CTX* ctx, const FirefoxOffer& offer);

// What Firefox offered, as one line for people ("TLS 1.2-1.3; TLS_AES_128_GCM_SHA256, ...").
std::string describe_offer(const FirefoxOffer& offer);

// The name Firefox shows for a fatal alert the server sent (TLS alert number), as NSS maps it.
std::string firefox_alert_error(int alert);

}  // namespace certdoctor
