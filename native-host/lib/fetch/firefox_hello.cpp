#include "fetch/firefox_hello.hpp"
#include "pkix/result.hpp"

#include <openssl/ssl.h>
#include <openssl/ct.h>
#include <openssl/tls1.h>

#include <algorithm>
#include <optional>

namespace certdoctor {
namespace {

// ---- The offer, as measured -----------------------------------------------------------------------------------
//
// Firefox ESR 153.8 (NSS 3.125), captured on loopback with tests/browser/client-hello.mjs:
//   versions        TLS 1.3, TLS 1.2 (supported_versions); TLS 1.0 and 1.1 too with enable-deprecated
//   cipher suites   the `on` rows of kSuites, in this order; 0x000a (3DES) only with enable-deprecated;
//                   DHE rows switched on by their pref come after the ECDHE ones (measured: 0x0033 after 0xc014)
//   groups          X25519MLKEM768, x25519, P-256, P-384, P-521, ffdhe2048, ffdhe3072
//   key shares      X25519MLKEM768, x25519, P-256
//   sig. algorithms ecdsa P-256/P-384/P-521 SHA-2, rsa_pss_rsae SHA-256/384/512, rsa_pkcs1 SHA-256/384/512,
//                   ecdsa_sha1, rsa_pkcs1_sha1
//   extensions      server_name, extended_master_secret, renegotiation_info, supported_groups, ec_point_formats
//                   (uncompressed), session_ticket, ALPN (h2, http/1.1), status_request, delegated_credentials,
//                   signed_certificate_timestamp, key_share, supported_versions, signature_algorithms,
//                   psk_key_exchange_modes (psk_dhe_ke), record_size_limit (16385), compress_certificate,
//                   encrypted_client_hello (GREASE)
//
// What OpenSSL 3.0 (Debian 12) cannot send, and why it does not change the outcome for the servers certdoctor
// is for: the X25519MLKEM768 group and its key share (a server that knows it also knows x25519, which is offered
// and shared; the devices in question know neither post-quantum group, and an old one answers exactly the same
// when the hybrid is missing), the P-256 key share (a server that wants P-256 asks for it with a
// HelloRetryRequest and the handshake goes on), delegated_credentials (a server only uses one with a certificate
// issued for it, which no device has), compress_certificate (saves bytes, changes no verdict; OpenSSL 3.0 could
// not read a compressed certificate), and the ECH GREASE extension (ignored by servers without ECH).
constexpr FirefoxSuite kSuites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "security.tls13.aes_128_gcm_sha256", true, true, false},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "security.tls13.chacha20_poly1305_sha256", true, true, false},
    {0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", "security.tls13.aes_256_gcm_sha384", true, true, false},
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "security.ssl3.ecdhe_ecdsa_aes_128_gcm_sha256", true, false, false},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "security.ssl3.ecdhe_rsa_aes_128_gcm_sha256", true, false, false},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", "security.ssl3.ecdhe_ecdsa_chacha20_poly1305_sha256", true, false, false},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", "security.ssl3.ecdhe_rsa_chacha20_poly1305_sha256", true, false, false},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", "security.ssl3.ecdhe_ecdsa_aes_256_gcm_sha384", true, false, false},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "security.ssl3.ecdhe_rsa_aes_256_gcm_sha384", true, false, false},
    {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", "security.ssl3.ecdhe_ecdsa_aes_256_sha", true, false, false},
    {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", "security.ssl3.ecdhe_ecdsa_aes_128_sha", false, false, false},
    {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", "security.ssl3.ecdhe_rsa_aes_128_sha", true, false, false},
    {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", "security.ssl3.ecdhe_rsa_aes_256_sha", true, false, false},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA", "security.ssl3.dhe_rsa_aes_128_sha", false, false, false},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA", "security.ssl3.dhe_rsa_aes_256_sha", false, false, false},
    {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", "security.ssl3.rsa_aes_128_gcm_sha256", true, false, false},
    {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", "security.ssl3.rsa_aes_256_gcm_sha384", true, false, false},
    {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", "security.ssl3.rsa_aes_128_sha", true, false, false},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", "security.ssl3.rsa_aes_256_sha", true, false, false},
    {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", "security.ssl3.deprecated.rsa_des_ede3_sha", true, false, true},
};

// x25519MLKEM768 first in Firefox's list: not in OpenSSL 3.0 (see above).
constexpr const char* kGroups = "X25519:P-256:P-384:P-521:ffdhe2048:ffdhe3072";
constexpr const char* kSigalgs =
    "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
    "RSA+SHA256:RSA+SHA384:RSA+SHA512:ECDSA+SHA1:RSA+SHA1";
constexpr unsigned char kAlpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
constexpr unsigned int kRecordSizeLimitExt = 28;
constexpr unsigned char kRecordSizeLimit[] = {0x40, 0x01};  // 16385, as Firefox sends

// Firefox's defaults when a pref is unset or unusable (nsNSSComponent: a range with min > max, or outside
// TLS 1.0-1.3, falls back to the defaults whole).
constexpr int kDefaultMin = 3, kDefaultMax = 4;

std::optional<bool> bool_pref(const nlohmann::json& prefs, const char* name) {
  if (!prefs.is_object()) return std::nullopt;
  auto it = prefs.find(name);
  if (it == prefs.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

std::optional<int> int_pref(const nlohmann::json& prefs, const char* name) {
  if (!prefs.is_object()) return std::nullopt;
  auto it = prefs.find(name);
  if (it == prefs.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

int openssl_version(int firefox_number) {
  switch (firefox_number) {
    case 1: return TLS1_VERSION;
    case 2: return TLS1_1_VERSION;
    case 3: return TLS1_2_VERSION;
    default: return TLS1_3_VERSION;
  }
}

// The client side of record_size_limit: Firefox's value out, whatever the server answers accepted (a limit
// only makes the server's records smaller, which OpenSSL reads anyway).
int add_record_size_limit(SSL*, unsigned int, unsigned int, const unsigned char** out, size_t* outlen, X509*,
                          size_t, int*, void*) {
  *out = kRecordSizeLimit;
  *outlen = sizeof kRecordSizeLimit;
  return 1;
}
int parse_record_size_limit(SSL*, unsigned int, unsigned int, const unsigned char*, size_t, X509*, size_t, int*,
                            void*) {
  return 1;
}

// Firefox asks for Certificate Transparency; OpenSSL sends the extension once a validation callback is set.
// Nothing is validated here: with the chain captured instead of verified, OpenSSL never calls it.
int accept_any_scts(const CT_POLICY_EVAL_CTX*, const STACK_OF(SCT)*, void*) { return 1; }

}  // namespace

const std::vector<FirefoxSuite>& firefox_suites() {
  static const std::vector<FirefoxSuite> suites(std::begin(kSuites), std::end(kSuites));
  return suites;
}

std::string tls_version_name(int n) {
  switch (n) {
    case 1: return "TLS 1.0";
    case 2: return "TLS 1.1";
    case 3: return "TLS 1.2";
    case 4: return "TLS 1.3";
    default: return "TLS (version " + std::to_string(n) + ")";
  }
}

FirefoxOffer firefox_offer(const nlohmann::json& prefs) {
  FirefoxOffer o;
  auto note = [&](const std::string& name, const nlohmann::json& value) { o.changed_by.push_back(name + "=" + value.dump()); };
  int min = kDefaultMin, max = kDefaultMax;
  if (auto v = int_pref(prefs, "security.tls.version.min")) min = *v;
  if (auto v = int_pref(prefs, "security.tls.version.max")) max = *v;
  if (min < 1 || max > 4 || min > max) min = kDefaultMin, max = kDefaultMax;
  if (min != kDefaultMin) note("security.tls.version.min", min);
  if (max != kDefaultMax) note("security.tls.version.max", max);
  // The error page's button for an old device sets this; Firefox then offers TLS 1.0 and 1.1 (and 3DES).
  o.deprecated_enabled = bool_pref(prefs, "security.tls.version.enable-deprecated").value_or(false);
  if (o.deprecated_enabled) {
    note("security.tls.version.enable-deprecated", true);
    min = std::min(min, 1);
  }
  o.version_min = min;
  o.version_max = max;
  // The DisabledCiphers policy names suites by their IANA names and locks their prefs (true = off).
  const nlohmann::json* policy = nullptr;
  if (prefs.is_object() && prefs.contains("policies.DisabledCiphers")) policy = &prefs["policies.DisabledCiphers"];
  for (const FirefoxSuite& s : kSuites) {
    bool on = bool_pref(prefs, s.pref).value_or(s.on);
    if (on != s.on) note(s.pref, on);
    if (policy && policy->contains(s.iana) && (*policy)[s.iana].is_boolean()) {
      on = !(*policy)[s.iana].get<bool>();
      o.changed_by.push_back(std::string("policy DisabledCiphers ") + s.iana + "=" + (*policy)[s.iana].dump());
    }
    if (on && (!s.deprecated || o.deprecated_enabled)) o.suites.push_back(&s);
  }
  return o;
}

bool apply_firefox_offer(SSL_CTX* ctx, const FirefoxOffer& offer) {
  std::string tls12, tls13;
  for (const FirefoxSuite* s : offer.suites) {
    std::string& list = s->tls13 ? tls13 : tls12;
    if (!list.empty()) list += ':';
    list += s->openssl;
  }
  // SHA-1 signatures, 3DES and TLS 1.0 are refused by OpenSSL's default security level; Firefox allows what the
  // offer says, so the offer alone decides.
  SSL_CTX_set_security_level(ctx, 0);
  bool ok = SSL_CTX_set_min_proto_version(ctx, openssl_version(offer.version_min)) == 1 &&
            SSL_CTX_set_max_proto_version(ctx, openssl_version(offer.version_max)) == 1 &&
            SSL_CTX_set_ciphersuites(ctx, tls13.c_str()) == 1 &&
            SSL_CTX_set1_groups_list(ctx, kGroups) == 1 && SSL_CTX_set1_sigalgs_list(ctx, kSigalgs) == 1 &&
            SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn) == 0 &&
            SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp) == 1 &&
            SSL_CTX_set_ct_validation_callback(ctx, accept_any_scts, nullptr) == 1;
  // With no TLS 1.2 suite left (every one switched off), an empty list is refused: offer TLS 1.3 only then.
  if (ok && !tls12.empty()) ok = SSL_CTX_set_cipher_list(ctx, (tls12 + ":@SECLEVEL=0").c_str()) == 1;
  if (ok && tls12.empty()) ok = SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1;
  if (ok) {
    ok = SSL_CTX_add_custom_ext(ctx, kRecordSizeLimitExt,
                                SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_2_SERVER_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS,
                                add_record_size_limit, nullptr, nullptr, parse_record_size_limit, nullptr) == 1;
  }
  return ok;
}

std::string describe_offer(const FirefoxOffer& o) {
  std::string out = tls_version_name(o.version_min);
  if (o.version_max != o.version_min) out += " to " + tls_version_name(o.version_max);
  out += "; ";
  for (std::size_t i = 0; i < o.suites.size(); ++i) out += (i ? ", " : "") + std::string(o.suites[i]->iana);
  return out;
}

// NSS's ssl3_HandleAlert: one name per alert. A handshake_failure alert that arrives while Firefox still waits
// for the ServerHello is reported as SSL_ERROR_NO_CYPHER_OVERLAP instead (the caller knows which).
std::string firefox_alert_error(int alert) {
  switch (alert) {
    case 0: return "SSL_ERROR_CLOSE_NOTIFY_ALERT";
    case 10: return "SSL_ERROR_HANDSHAKE_UNEXPECTED_ALERT";
    case 20: return "SSL_ERROR_BAD_MAC_ALERT";
    case 21: return "SSL_ERROR_DECRYPTION_FAILED_ALERT";
    case 22: return "SSL_ERROR_RECORD_OVERFLOW_ALERT";
    case 30: return "SSL_ERROR_DECOMPRESSION_FAILURE_ALERT";
    case 40: return std::string(pkix::firefox_code(pkix::Result::HandshakeFailureAlert));
    case 41: return "SSL_ERROR_NO_CERTIFICATE";
    case 42: return "SSL_ERROR_BAD_CERT_ALERT";
    case 43: return "SSL_ERROR_UNSUPPORTED_CERT_ALERT";
    case 44: return "SSL_ERROR_REVOKED_CERT_ALERT";
    case 45: return "SSL_ERROR_EXPIRED_CERT_ALERT";
    case 46: return "SSL_ERROR_CERTIFICATE_UNKNOWN_ALERT";
    case 47: return "SSL_ERROR_ILLEGAL_PARAMETER_ALERT";
    case 48: return "SSL_ERROR_UNKNOWN_CA_ALERT";
    case 49: return "SSL_ERROR_ACCESS_DENIED_ALERT";
    case 50: return "SSL_ERROR_DECODE_ERROR_ALERT";
    case 51: return "SSL_ERROR_DECRYPT_ERROR_ALERT";
    case 60: return "SSL_ERROR_EXPORT_RESTRICTION_ALERT";
    case 70: return std::string(pkix::firefox_code(pkix::Result::ProtocolVersionAlert));
    case 71: return "SSL_ERROR_INSUFFICIENT_SECURITY_ALERT";
    case 80: return std::string(pkix::firefox_code(pkix::Result::InternalErrorAlert));
    case 86: return "SSL_ERROR_INAPPROPRIATE_FALLBACK_ALERT";
    case 90: return "SSL_ERROR_USER_CANCELED_ALERT";
    case 100: return "SSL_ERROR_NO_RENEGOTIATION_ALERT";
    case 109: return "SSL_ERROR_MISSING_EXTENSION_ALERT";
    case 110: return "SSL_ERROR_UNSUPPORTED_EXTENSION_ALERT";
    case 111: return "SSL_ERROR_CERTIFICATE_UNOBTAINABLE_ALERT";
    case 112: return "SSL_ERROR_UNRECOGNIZED_NAME_ALERT";
    case 113: return "SSL_ERROR_BAD_CERT_STATUS_RESPONSE_ALERT";
    case 114: return "SSL_ERROR_BAD_CERT_HASH_VALUE_ALERT";
    case 116: return std::string(pkix::firefox_code(pkix::Result::CertificateRequiredAlert));
    case 120: return "SSL_ERROR_NEXT_PROTOCOL_NO_PROTOCOL";
    case 121: return "SSL_ERROR_ECH_REQUIRED_ALERT";
    default: return "SSL_ERROR_RX_UNKNOWN_ALERT";
  }
}

}  // namespace certdoctor
