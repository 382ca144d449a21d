#include "diagnosis/error_table.hpp"

#include <prerror.h>
#include <secerr.h>
#include <sslerr.h>

#include <algorithm>
#include <stdexcept>

namespace certdoctor {
namespace {

// mozilla::pkix's own codes (pkixnss.h is not installed with NSS), written once: a block above NSS's ranges.
constexpr int MOZILLA_PKIX_ERROR_BASE = -0x4000;
enum : int {
  MOZILLA_PKIX_ERROR_KEY_PINNING_FAILURE = MOZILLA_PKIX_ERROR_BASE + 0,
  MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY = MOZILLA_PKIX_ERROR_BASE + 1,
  MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE = MOZILLA_PKIX_ERROR_BASE + 2,
  MOZILLA_PKIX_ERROR_V1_CERT_USED_AS_CA = MOZILLA_PKIX_ERROR_BASE + 3,
  MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE = MOZILLA_PKIX_ERROR_BASE + 5,
  MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE = MOZILLA_PKIX_ERROR_BASE + 6,
  MOZILLA_PKIX_ERROR_SIGNATURE_ALGORITHM_MISMATCH = MOZILLA_PKIX_ERROR_BASE + 7,
  MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING = MOZILLA_PKIX_ERROR_BASE + 10,
  MOZILLA_PKIX_ERROR_INVALID_INTEGER_ENCODING = MOZILLA_PKIX_ERROR_BASE + 11,
  MOZILLA_PKIX_ERROR_EMPTY_ISSUER_NAME = MOZILLA_PKIX_ERROR_BASE + 12,
  MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT = MOZILLA_PKIX_ERROR_BASE + 14,
  MOZILLA_PKIX_ERROR_MITM_DETECTED = MOZILLA_PKIX_ERROR_BASE + 15,
  MOZILLA_PKIX_ERROR_INSUFFICIENT_CERTIFICATE_TRANSPARENCY = MOZILLA_PKIX_ERROR_BASE + 16,
  MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED = MOZILLA_PKIX_ERROR_BASE + 17,
};

// Firefox's network error for a server that hangs up on the ClientHello is an nsresult (netwerk's
// NS_ERROR_NET_RESET), not a PRErrorCode: its row carries no NSS number.
constexpr int NS_ERROR_NET_RESET = 0;

// The number Firefox reports for a result: the value of the symbol in pkix/result.hpp's row, from NSS's headers
// (secerr.h, sslerr.h, prerror.h) or the block above.
constexpr int nss_number(pkix::Result r) {
  switch (r) {
    case pkix::Result::Success: return 0;
#define CERTDOCTOR_NSS_NUMBER(name, symbol, override, field, about) \
  case pkix::Result::name:                                         \
    return symbol;
    CERTDOCTOR_PKIX_RESULTS(CERTDOCTOR_NSS_NUMBER)
#undef CERTDOCTOR_NSS_NUMBER
  }
  return 0;
}

// A row for an error Firefox shows, keyed on its Result: the name and the number follow from the Result's row in
// pkix/result.hpp, the words are here.
#define FIREFOX_ERROR(result, severity, title, explanation, cause, fix)                                        \
  ErrorRow {                                                                                                   \
    pkix::firefox_code(pkix::Result::result), nss_number(pkix::Result::result), Severity::severity, title,     \
        explanation, cause, fix, pkix::Result::result                                                          \
  }
// A condition certdoctor finds itself (named in base/conditions.hpp): a lower-case code, no number.
#define CONDITION(code, severity, title, explanation, fix) \
  ErrorRow { code_of(Condition::code), 0, Severity::severity, title, explanation, "", fix, std::nullopt }

constexpr ErrorRow kTable[] = {
    // --- Reaching the server -------------------------------------------------------------------------------
    CONDITION(dns_failed, error, "The name {host} could not be resolved",
              "certdoctor looked up {host} and got: {detail}. Firefox may reach the site another way (a proxy, "
              "DNS over HTTPS, a hosts entry), so this says nothing yet about the certificate.",
              "Check the name. If Firefox reaches the site at a known address, tell certdoctor where it is:\n"
              "  certdoctor diagnose {url|sh} --resolve {host_port|sh}:ADDRESS"),
    CONDITION(connection_refused, error, "{address} refused the connection on port {port}",
              "Nothing accepts connections on {address} port {port}: the service is down, listens on another "
              "port, or a firewall rejects the connection.",
              "Check that the service runs and listens on port {port}, then diagnose again."),
    CONDITION(connect_failed, error, "Could not connect to {address} port {port}",
              "The connection to {address} port {port} failed: {detail}.",
              "Check the network path to the server (routing, VPN, firewall), or give the proxy Firefox uses "
              "with --proxy."),
    CONDITION(connect_timeout, error, "No answer from {host} port {port} within {seconds} s",
              "The server did not accept a connection in time: it is down, or a firewall silently drops the "
              "packets.",
              "Check that the server is up and reachable from this machine; if Firefox uses a proxy, pass it "
              "with --proxy."),
    CONDITION(proxy_failed, error, "The proxy {proxy} did not open a tunnel to {host_port}",
              "certdoctor asked the HTTP proxy {proxy} for a tunnel (CONNECT) and it answered: {detail}.",
              "Check the proxy address and that it allows CONNECT to port {port}."),
    CONDITION(not_tls, error, "{host_port} does not speak TLS",
              "The server answered, but not with TLS ({detail}). It may be a plain-HTTP port, another protocol, "
              "or a device that expects a different port for HTTPS.",
              "Check the port: HTTPS is usually 443 (devices often use 8443 or 4443). Try http:// if the "
              "service is plain HTTP."),
    CONDITION(connection_closed, error, "{host_port} closed the connection during the TLS handshake",
              "The server accepted the connection and then closed it before the handshake finished ({detail}). "
              "Old devices do this when they find nothing they support in the client's offer; some close on "
              "clients they do not like.",
              "Check the server's TLS settings and logs; make sure it offers TLS 1.2 or newer with a modern "
              "cipher."),
    CONDITION(handshake_timeout, error, "{host_port} did not complete the TLS handshake within {seconds} s",
              "The server accepted the connection but stalled during the handshake.",
              "Check the server's load and TLS configuration; a device may need a restart of its web service."),
    CONDITION(handshake_failed, error, "The TLS handshake with {host_port} failed",
              "The handshake failed: {detail}.",
              "Check the server's TLS configuration: TLS 1.2 or 1.3, a modern cipher, and a certificate."),
    CONDITION(no_certificate, error, "{host_port} sent no certificate",
              "The handshake completed without a server certificate (an anonymous cipher).",
              "Configure the server with a certificate and disable anonymous ciphers."),
    FIREFOX_ERROR(UnsupportedVersion, error, "{host_port} answered with {version}, which Firefox refuses",
                  "Firefox offered {offered}; the server chose an older version, {version}. This profile's TLS "
                  "settings: {profile_settings}.",
                  "Old management interfaces (iDRAC, iLO, switches, printers) often stay on TLS 1.0 until their "
                  "firmware is updated.",
                  "Update the device's firmware or enable TLS 1.2 in its settings. Firefox's error page (ESR 153) "
                  "has no button for this; a stop-gap for this profile only is about:config, "
                  "security.tls.version.enable-deprecated = true, which lets every site push this profile's "
                  "connections down to TLS 1.0 and 1.1 (set it back once the device is updated)."),
    FIREFOX_ERROR(NoCypherOverlap, error, "{host_port} and Firefox have no cipher in common",
                  "Firefox offered {offered}. The server found nothing there it can use; offered everything, it "
                  "accepts {accepted}. This profile's TLS settings: {profile_settings}.",
                  "The server allows only suites Firefox does not offer (DHE key exchange, CBC with SHA-256 or "
                  "SHA-384, 3DES, RC4), its key is of a kind Firefox cannot use for TLS (DSA, or an elliptic curve "
                  "other than P-256, P-384 and P-521), or a suite it needs is switched off in this profile.",
                  "In the device's TLS settings enable ECDHE with AES-GCM (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or "
                  "its ECDSA twin); if the firmware has no such setting, ask the vendor for an update that has it. "
                  "A device with a DSA or odd-curve key needs a new key and certificate, RSA (2048 bits or more) "
                  "or ECDSA P-256:\n"
                  "  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 825 -nodes "
                  "-keyout server.key -out server.crt -subj {subj|sh} -addext {san_line|sh} "
                  "-set_serial 0x$(openssl rand -hex 16)"),
    // --- What Firefox's own handshake meets (fetch/firefox_hello: names as NSS gives them, learnt with the truth
    // harness's hs: cases). {offered}: what Firefox offered; {accepted}: what the server took when offered
    // everything; {profile_settings}: the profile's prefs and policies that changed Firefox's offer.
    FIREFOX_ERROR(ProtocolVersionAlert, error, "{host_port} refuses every TLS version Firefox offers",
                  "Firefox offered {offered}. The server answered with a protocol_version alert; offered every "
                  "version, it accepts {accepted}. Firefox's error page (ESR 153) has no button for this: it shows "
                  "the code under Advanced and suggests contacting the site's owner. This profile's TLS settings: "
                  "{profile_settings}.",
                  "Old management controllers, printers, UPS cards and switches speak only TLS 1.0 or 1.1 until "
                  "their firmware is updated, or have TLS 1.2 switched off in their web settings; a profile that "
                  "raised security.tls.version.min meets the same with TLS 1.2 servers.",
                  "Update the device's firmware (ask the vendor for a release with TLS 1.2), or turn TLS 1.2 on in "
                  "the device's TLS/web-server settings. A stop-gap for this profile only: in about:config set "
                  "security.tls.version.enable-deprecated to true. That lets Firefox speak TLS 1.0 and 1.1 (and "
                  "3DES) with every site, so an attacker on the network can push any connection down to those "
                  "weak versions; set it back to false once the device is updated."),
    FIREFOX_ERROR(HandshakeFailureAlert, error, "{host_port} broke off the handshake",
                  "The server chose {accepted}, then ended the handshake with a handshake_failure alert. "
                  "{client_certificate} Firefox offered {offered}.",
                  "Most often the server requires a client certificate (a smart-card or device login) and Firefox "
                  "had none to send; otherwise the server rejected something in Firefox's offer after choosing.",
                  "If the site needs a client certificate, import it into this profile (Settings > Privacy & "
                  "Security > Certificates > View Certificates > Your Certificates > Import) or set up the "
                  "smart-card module (Security Devices). Otherwise check the device's TLS settings and logs, and "
                  "ask its vendor what it requires of clients."),
    FIREFOX_ERROR(CertificateRequiredAlert, error, "{host_port} requires a client certificate",
                  "The server ({accepted}) asked for a client certificate and, receiving none, ended the "
                  "connection with a certificate_required alert.",
                  "The site admits only clients that present a certificate (mutual TLS), and this profile holds "
                  "none that the server accepts.",
                  "Import your client certificate into this profile (Settings > Privacy & Security > Certificates "
                  "> View Certificates > Your Certificates > Import) or set up the smart-card module; ask the "
                  "site's administrator which CA the server accepts client certificates from."),
    FIREFOX_ERROR(InternalErrorAlert, error, "{host_port} failed on Firefox's handshake",
                  "The server answered Firefox's ClientHello with an internal_error alert. Offered everything, it "
                  "accepts {accepted}. Firefox offered {offered}.",
                  "The device's TLS software fails on something in a current browser's hello (its size, a new "
                  "extension or group) or on its own configuration (a key or certificate it cannot load).",
                  "Update the device's firmware; if that does not help, send the vendor this error and the "
                  "accepted suite above, and check the device's certificate and key settings."),
    // Not an NSS error: Firefox's network error page "The connection was reset" (nsresult NS_ERROR_NET_RESET).
    FIREFOX_ERROR(NetReset, error, "{host_port} hung up on Firefox's handshake",
             "The server closed the connection right after Firefox's ClientHello; Firefox shows \"The connection "
             "was reset\". Offered everything, it accepts {accepted}. Firefox offered {offered}.",
             "The device's TLS software cannot handle what Firefox offers (versions, suites, or the size of the "
             "hello), or a firewall or intrusion-prevention system between you filters TLS.",
             "Update the device's firmware or check its TLS settings; ask the vendor for a release that works with "
             "current browsers. Check any firewall that inspects TLS between this machine and the device."),
    CONDITION(handshake_alert, error, "{host_port} refused Firefox's handshake with the alert {alert_name}",
              "The server ended Firefox's handshake with the TLS alert {alert_name} (Firefox shows "
              "{firefox_name}). Offered everything, it accepts {accepted}. Firefox offered {offered}.",
              "Check the device's TLS settings and logs; ask the vendor what the alert means for it."),

    // --- Certificate errors Firefox shows (mozilla::pkix results and PSM's checks) -----------------------------
    FIREFOX_ERROR(ReusedIssuerAndSerial, error,
                  "Firefox already knows another certificate with this issuer and serial",
                  "The server's certificate has issuer {issuer} and serial {serial}, and Firefox already holds a "
                  "different certificate with exactly that issuer and serial. Firefox refuses the site; this "
                  "error cannot be overridden.",
                  "A certificate re-made with its old serial (devices often keep serial 0 or 1), an internal CA "
                  "that reuses serials, or two devices sharing a factory certificate.",
                  "Remove the stored certificate that conflicts (certdoctor names it below), and have the "
                  "server's certificate made with a random serial:\n"
                  "  openssl req -x509 -newkey rsa:2048 -sha256 -days 825 -nodes -keyout server.key "
                  "-out server.crt -subj {subj|sh} -addext {san_line|sh} -set_serial 0x$(openssl rand -hex 16)"),
    FIREFOX_ERROR(SelfSignedCert, warning, "{host} uses a self-signed certificate",
                  "The certificate ({subject}) is signed by its own key, and this profile does not trust it.",
                  "The device or server made its own certificate (the factory default of most network gear), "
                  "or nobody imported the internal CA that should have issued it.",
                  "If this is your own device on your network, Firefox's error page lets you accept the risk "
                  "and continue (an exception for this exact certificate). Better: give the device a "
                  "certificate from your internal CA, or import that CA's root (Settings > Certificates > "
                  "Authorities > Import)."),
    FIREFOX_ERROR(UnknownIssuer, warning, "The certificate's issuer is not known or not trusted",
                  "Firefox could not build a chain from {subject} to a root it trusts: the issuer {issuer} "
                  "is unknown, or every candidate issuer failed for a different reason.",
                  "The server does not send its intermediate certificate, the site uses a private CA whose "
                  "root is not imported, a TLS-inspecting proxy re-signs traffic, or a stale copy of the "
                  "issuer in the profile has another key.",
                  "If the server omits its intermediate, configure it to send the full chain (leaf, then "
                  "intermediates). For an internal CA, import its root certificate into Firefox "
                  "(Settings > Certificates > Authorities > Import) or roll it out by policy."),
    FIREFOX_ERROR(UntrustedIssuer, error, "The issuer {issuer_subject} is distrusted",
                  "A certificate on the way to a root ({issuer_subject}) is explicitly marked as not trusted in "
                  "this profile or in Firefox's root list.",
                  "Someone set its trust to distrust (Certificate Manager, certutil -t p,,), or Mozilla "
                  "removed trust from that CA.",
                  "If the distrust was set by mistake, edit the certificate's trust in Settings > Certificates, "
                  "or get the server a certificate from another CA."),
    FIREFOX_ERROR(UntrustedCert, error, "The certificate of {host} is distrusted",
                  "The server's certificate itself is explicitly marked as not trusted in this profile.",
                  "The certificate was once imported and its trust set to distrust.",
                  "Edit or remove the stored certificate in Settings > Certificates > Servers if the "
                  "distrust is no longer wanted."),
    FIREFOX_ERROR(ExpiredCertificate, warning, "The certificate of {host} expired on {not_after}",
                  "The certificate is valid from {not_before} to {not_after}; that period is over (or this "
                  "computer's clock is wrong).",
                  "Nobody renewed the certificate, or the clock of this computer is ahead.",
                  "Check this computer's date. Renew the certificate; for a self-made one:\n"
                  "  openssl req -x509 -newkey rsa:2048 -sha256 -days 825 -nodes -keyout server.key "
                  "-out server.crt -subj {subj|sh} -addext {san_line|sh} -set_serial 0x$(openssl rand -hex 16)"),
    FIREFOX_ERROR(NotYetValidCertificate, warning,
                  "The certificate of {host} is not valid before {not_before}",
                  "The certificate's validity starts at {not_before}, which is still in the future for this "
                  "computer.",
                  "The server's or this computer's clock is wrong (devices without a battery-backed clock "
                  "often boot in 1970 or in the future), or the certificate was made with a future start date.",
                  "Check the date on this computer and on the device; re-issue the certificate with a start "
                  "date in the past."),
    FIREFOX_ERROR(ExpiredIssuerCertificate, warning, "The issuing CA certificate has expired",
                  "A certificate the chain needs ({issuer_subject}) is valid only until {issuer_not_after}.",
                  "The server still sends an old intermediate after the CA renewed it, or an internal CA's "
                  "certificate ran out.",
                  "Install the CA's current intermediate on the server (send it with the leaf); renew the "
                  "internal CA certificate and re-import it."),
    FIREFOX_ERROR(NotYetValidIssuerCertificate, warning,
                  "The issuing CA certificate is not valid yet",
                  "A certificate the chain needs ({issuer_subject}) becomes valid only at {issuer_not_before}.",
                  "A freshly made CA certificate with a start date ahead of this computer's clock.",
                  "Check this computer's clock, or re-issue the CA certificate with a start date in the past."),
    FIREFOX_ERROR(InvalidTime, error, "The certificate's dates cannot be read",
                  "The validity period is not encoded correctly, or it ends before it starts.",
                  "A hand-made or buggy certificate generator.",
                  "Re-issue the certificate with a standard tool (openssl, your CA software)."),
    FIREFOX_ERROR(BadCertDomain, warning, "The certificate is not valid for {host}",
                  "Firefox checks the name only against the certificate's subjectAltName entries ({names}); "
                  "the subject's common name is ignored, and an IP address must appear as an IP entry.",
                  "The site is reached under another name or by IP address, or the certificate carries the "
                  "name only in its common name (old devices do).",
                  "Re-issue the certificate with the name in subjectAltName:\n"
                  "  openssl req -x509 -newkey rsa:2048 -sha256 -days 825 -nodes -keyout server.key "
                  "-out server.crt -subj {subj|sh} -addext {san_line|sh} -set_serial 0x$(openssl rand -hex 16)\n"
                  "or open the site under a name the certificate lists."),
    FIREFOX_ERROR(CaCertUsedAsEndEntity, warning, "{host} presents a CA certificate",
                  "The server's certificate says it is a certificate authority (basicConstraints CA:TRUE); "
                  "Firefox does not accept CA certificates as server certificates.",
                  "The device's certificate was made with the default extensions of 'openssl req -x509', "
                  "which mark it as a CA.",
                  "Re-issue it as an end-entity certificate:\n"
                  "  openssl req -x509 -newkey rsa:2048 -sha256 -days 825 -nodes -keyout server.key "
                  "-out server.crt -subj {subj|sh} -addext {san_line|sh} -addext basicConstraints=critical,CA:FALSE "
                  "-set_serial 0x$(openssl rand -hex 16)"),
    FIREFOX_ERROR(CaCertInvalid, warning, "An issuer in the chain is not a CA",
                  "{issuer_subject} signed a certificate but is not marked as a CA (no basicConstraints "
                  "CA:TRUE).",
                  "An end-entity certificate used to sign others, or an internal CA made without the CA "
                  "extensions.",
                  "Re-make the CA certificate with basicConstraints=critical,CA:TRUE and keyUsage keyCertSign."),
    FIREFOX_ERROR(V1CertUsedAsCa, warning, "An issuer in the chain is a version 1 certificate",
                  "{issuer_subject} is an X.509 version 1 certificate, which cannot say it is a CA; Firefox "
                  "accepts it as an issuer only when it is itself a trusted root.",
                  "An old internal CA made without extensions.",
                  "Re-make the CA as a version 3 certificate with basicConstraints CA:TRUE, or import it as a "
                  "trusted root."),
    FIREFOX_ERROR(PathLenConstraintInvalid, error, "The chain is longer than a CA allows",
                  "A CA's basicConstraints limit the number of intermediate CAs below it (pathLenConstraint); "
                  "this chain has more.",
                  "An extra intermediate level was added under a CA issued with a path length of 0.",
                  "Issue the server certificate directly from the permitted CA, or re-issue the CA with a "
                  "larger path length."),
    FIREFOX_ERROR(InadequateKeyUsage, error, "The certificate's key usage does not allow this",
                  "The keyUsage extension does not include what TLS needs (digitalSignature or "
                  "keyEncipherment for a server, keyCertSign for a CA).",
                  "A certificate made for another purpose (signing, client authentication), or a CA without "
                  "keyCertSign.",
                  "Re-issue with keyUsage=critical,digitalSignature,keyEncipherment (server) or "
                  "keyCertSign,cRLSign (CA)."),
    FIREFOX_ERROR(InadequateCertType, error, "The certificate is not for TLS servers",
                  "The extendedKeyUsage extension does not list serverAuth (or lists OCSP signing), so the "
                  "certificate may not identify a web server.",
                  "A client, e-mail or code-signing certificate installed on a server, or a CA restricted to "
                  "other purposes.",
                  "Re-issue with extendedKeyUsage=serverAuth."),
    FIREFOX_ERROR(InadequateKeySize, warning, "A key in the chain is too small",
                  "Firefox requires RSA keys of 2048 bits under its built-in roots and at least 1024 bits "
                  "under roots you added; this chain has a smaller one ({key}).",
                  "Old devices and old internal CAs made 512- or 1024-bit keys.",
                  "Re-issue with a 2048-bit RSA or a P-256 key:\n"
                  "  openssl req -x509 -newkey rsa:2048 -sha256 -days 825 -nodes -keyout server.key "
                  "-out server.crt -subj {subj|sh} -addext {san_line|sh} -set_serial 0x$(openssl rand -hex 16)"),
    FIREFOX_ERROR(SignatureAlgorithmDisabled, warning, "A certificate is signed with SHA-1 or worse",
                  "Firefox no longer accepts certificate signatures made with SHA-1 (or MD5 and other "
                  "algorithms it does not support); this chain uses {signature_algorithm}.",
                  "An old device or internal CA that still signs with SHA-1.",
                  "Re-sign with SHA-256 (openssl ... -sha256), and re-issue the CA certificate too if it is "
                  "itself SHA-1-signed and not a root."),
    FIREFOX_ERROR(SignatureAlgorithmMismatch, error,
                  "The certificate names two different signature algorithms",
                  "The algorithm inside the signed part and the one next to the signature differ.",
                  "A broken certificate generator.",
                  "Re-issue the certificate with a standard tool."),
    FIREFOX_ERROR(BadSignature, error, "A signature in the chain does not verify",
                  "A certificate's signature does not match its issuer's key.",
                  "The certificate was altered, or the issuer was re-made with a new key under the same name.",
                  "Re-issue the certificate from the current CA, and send the matching intermediate."),
    FIREFOX_ERROR(UnsupportedKeyAlg, error, "A key in the chain is of a type Firefox does not support",
                  "Firefox accepts RSA and ECDSA keys only; this chain contains another kind ({key}).",
                  "DSA, Ed25519 or GOST keys from specialised tools.",
                  "Re-issue with an RSA 2048 or ECDSA P-256 key."),
    FIREFOX_ERROR(UnsupportedEllipticCurve, error, "A key in the chain uses an unsupported curve",
                  "Firefox accepts the curves P-256, P-384 and P-521; this chain uses another ({key}).",
                  "A key made on P-192, secp256k1, Brainpool or another curve.",
                  "Re-issue with a P-256 or P-384 key."),
    FIREFOX_ERROR(UnsupportedEcPointForm, error, "An elliptic-curve key is in compressed form",
                  "Firefox reads only uncompressed elliptic-curve points.",
                  "A key exported in compressed point form.",
                  "Re-issue the certificate with the key in uncompressed form (the default of openssl)."),
    FIREFOX_ERROR(EmptyIssuerName, error, "A certificate has an empty issuer name",
                  "The issuer field of {subject} is empty, which X.509 does not allow.",
                  "A CA made with an empty subject name.",
                  "Re-make the CA with a proper subject name and re-issue the certificates below it."),
    FIREFOX_ERROR(BadDer, error, "A certificate in the chain is not encoded correctly",
                  "Firefox reads certificates strictly (DER); a certificate in this chain has an encoding error "
                  "that more lenient software may let pass.",
                  "A hand-made or buggy certificate generator, or a corrupted file on the server.",
                  "Re-issue the certificate with a standard tool and re-install the whole chain."),
    FIREFOX_ERROR(InvalidIntegerEncoding, error, "A number in a certificate is badly encoded",
                  "An INTEGER (often the serial) is not in its shortest form, which DER requires.",
                  "Certificate generators that pad serial numbers with a leading zero byte.",
                  "Re-issue the certificate with a standard tool."),
    FIREFOX_ERROR(ExtensionValueInvalid, error, "A certificate extension is malformed or repeated",
                  "An extension Firefox reads is empty, appears twice, or cannot be decoded.",
                  "A buggy certificate generator or a hand-written configuration.",
                  "Re-issue the certificate, each extension once."),
    FIREFOX_ERROR(UnknownCriticalExtension, error, "A certificate has a critical extension Firefox does not know",
                  "An extension marked critical must be understood by the client; Firefox does not know it "
                  "and must reject the certificate.",
                  "Proprietary extensions marked critical by a vendor or an internal CA.",
                  "Re-issue the certificate without that extension, or with it marked non-critical."),
    FIREFOX_ERROR(CertNotInNameSpace, error, "A name is outside what the issuing CA may certify",
                  "A CA in the chain carries name constraints, and the certificate has a name outside them. "
                  "This cannot be overridden.",
                  "An internal CA limited to its company's domains issued a certificate for another name.",
                  "Issue the certificate from a CA allowed to certify that name, or widen the CA's constraints."),
    FIREFOX_ERROR(PolicyValidationFailed, error, "The certificate policies do not allow this use",
                  "The chain does not carry the certificate policy Firefox requires for this check.",
                  "An EV check against a CA without the EV policy.",
                  "Ask the CA for a correctly issued certificate."),
    FIREFOX_ERROR(CertBadAccessLocation, error, "The certificate's OCSP address is malformed",
                  "The authorityInfoAccess extension (where to ask for revocation status) cannot be read.",
                  "A hand-written extension in the CA's configuration.",
                  "Fix the CA's authorityInfoAccess setting (a plain http:// URL) and re-issue."),
    FIREFOX_ERROR(RequiredTlsFeatureMissing, error, "The certificate demands OCSP stapling",
                  "The certificate has the TLS feature extension (OCSP must-staple), and the server did not "
                  "staple an OCSP response.",
                  "A must-staple certificate on a server with stapling switched off, or an OCSP responder out "
                  "of reach.",
                  "Enable OCSP stapling on the server, or re-issue without must-staple."),
    FIREFOX_ERROR(RevokedCertificate, error, "The certificate has been revoked",
                  "The CA declared the certificate invalid before its expiry (OCSP, CRLite or Mozilla's "
                  "OneCRL).",
                  "A key compromise or mis-issuance, or a certificate replaced and revoked by its owner.",
                  "Install a new certificate on the server."),
    FIREFOX_ERROR(KeyPinningFailure, error, "The certificate breaks this site's key pins",
                  "Firefox knows which keys this site uses (built-in pins), and this chain has none of them.",
                  "A TLS-inspecting proxy or antivirus intercepts the connection.",
                  "Connect without the intercepting software, or configure it to leave this site alone."),
    FIREFOX_ERROR(MitmDetected, error, "Software on this network intercepts the connection",
                  "The certificate was issued by the same unknown issuer as Firefox's test connection: a "
                  "TLS-inspecting proxy or antivirus is re-signing traffic.",
                  "Enterprise TLS inspection or antivirus web protection.",
                  "Import the intercepting product's root certificate, or switch off its HTTPS scanning."),
    FIREFOX_ERROR(InsufficientCertificateTransparency, error,
                  "The certificate was not publicly logged",
                  "Certificates from Firefox's built-in roots must be in Certificate Transparency logs; this "
                  "one lacks enough proof of it.",
                  "A CA that did not log the certificate.",
                  "Ask the CA for a logged certificate (all public CAs do this by default)."),
    FIREFOX_ERROR(IssuerNoLongerTrusted, error, "The CA is no longer trusted by Firefox",
                  "Mozilla stopped trusting certificates from this CA issued after a given date.",
                  "A public CA that was distrusted.",
                  "Get a certificate from another CA."),
    FIREFOX_ERROR(InvalidAlgorithm, error, "A certificate uses an algorithm Firefox cannot process",
                  "An algorithm identifier in the chain is not valid for its use.",
                  "A malformed or exotic certificate.",
                  "Re-issue the certificate with RSA or ECDSA and SHA-256."),
    FIREFOX_ERROR(UnknownError, error, "Firefox fails on this certificate without a specific reason",
                  "Firefox cannot process a certificate in the chain; its database refuses it.",
                  "A served intermediate with the same issuer and serial as another certificate the profile "
                  "stores.",
                  "Look at the conflicts certdoctor lists and remove the stale stored certificate."),
    FIREFOX_ERROR(FatalLibraryFailure, error, "A certificate database failed while the chain was judged",
                  "Reading the certificates Firefox knows failed part-way, so no verdict can be given.",
                  "A database locked by another program, removed, or damaged.",
                  "Close other programs that use the profile and diagnose again."),

    // --- Stored certificates that break the site (conflicts) -----------------------------------------------------
    CONDITION(stale_copy, error, "The profile holds an old copy of this server's certificate",
              "The server's certificate was re-made with its old serial number ({serial}) and the same issuer, "
              "while this profile still stores the previous certificate as '{nickname}'. Firefox takes issuer "
              "and serial as a certificate's identity, sees two different certificates with one identity, and "
              "refuses the site (SEC_ERROR_REUSED_ISSUER_AND_SERIAL).",
              "Remove the old copy (a backup is kept; 'certdoctor undo' puts it back):\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256}\n"
              "So that it cannot happen again, have the server's certificate made with a random serial."),
    CONDITION(shared_device_serial, error, "Two devices present certificates with the same issuer and serial",
              "This device ({served_names}) and another one the profile knows ({stored_names}, stored as "
              "'{nickname}') use self-made certificates with the same issuer name and serial {serial}: typical "
              "of network gear that makes its certificate with a fixed serial. Firefox can hold only one of "
              "them per issuer and serial.",
              "Best: give each device a certificate with a unique random serial (its web interface usually "
              "offers to generate or upload one; with openssl add -set_serial 0x$(openssl rand -hex 16)).\n"
              "Meanwhile, removing the stored certificate of the other device lets this one load (the other "
              "device will then show this error in turn):\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256}"),
    CONDITION(ca_serial_reuse, error, "The CA {issuer} issued two certificates with the same serial",
              "The profile stores '{nickname}' ({stored_subject}), issued by the same CA with the same serial "
              "{serial} as this site's certificate ({subject}). Serials must be unique per issuer; a CA run with "
              "bare openssl commands often reuses serial 1.",
              "Re-issue this site's certificate with a unique serial (openssl x509 -req ... "
              "-set_serial 0x$(openssl rand -hex 16), or use 'openssl ca' with a serial file). Meanwhile, "
              "removing the stored certificate lets this site load:\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256}"),
    CONDITION(stale_intermediate, error, "The profile holds an old intermediate certificate with the same serial",
              "The server sends the intermediate {subject} (serial {serial}), but the profile stores a different "
              "certificate with the same issuer and serial as '{nickname}'. Firefox then cannot build the chain "
              "and reports SEC_ERROR_UNKNOWN_ISSUER.",
              "Remove the stored intermediate:\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256}\n"
              "and make sure the CA issues intermediates with fresh serials."),
    CONDITION(stale_issuer, warning, "The profile holds an older {issuer} with another key",
              "'{nickname}' (trust {trust}) carries the name of this certificate's issuer but not the key that "
              "signed it: the CA was re-made under its old name. Firefox finds the stored one, cannot verify "
              "with it, and reports SEC_ERROR_UNKNOWN_ISSUER unless the new CA certificate is also known.",
              "Import the CA's new certificate (Settings > Certificates > Authorities > Import), and remove the "
              "old one if nothing else still needs it:\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256} --allow-trusted"),
    CONDITION(stored_distrust, error, "The profile distrusts {stored_subject}",
              "'{nickname}' ({stored_subject}) is stored in this profile with trust {trust}: an entry that tells "
              "Firefox never to trust it for web sites. It is on this site's path, so Firefox refuses the page "
              "({error}). Without the entry: {after_text}.",
              "If the distrust is not meant any more (an old decision, a tool or policy that set it), remove the "
              "entry (a backup is kept; certdoctor undo puts it back):\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256} --allow-trusted --url {url|sh}"),
    CONDITION(stale_anchor, error, "The profile trusts an old {stored_subject}",
              "'{nickname}' (trust {trust}, valid until {stored_not_after}) is a root this profile trusts, named "
              "like the issuer of this site's certificate, but it cannot vouch for it: {why_text}. Firefox finds "
              "it and refuses the page ({error}). Without it: {after_text}.",
              "Remove the old root (a backup is kept; certdoctor undo puts it back), and import the CA's current "
              "certificate if Firefox still does not know it:\n"
              "  certdoctor remove --profile {profile|sh} --sha256 {stored_sha256} --allow-trusted --url {url|sh}"),
    CONDITION(live_connection_conflict, warning,
              "Firefox holds another certificate with the same issuer and serial in memory",
              "Nothing stored in this profile conflicts with this site's certificate (issuer {issuer}, serial "
              "{serial}). Firefox also compares with the certificates it has met since it started: another device "
              "with the same issuer and serial (typically a twin of this one, opened earlier) left its certificate "
              "in Firefox's memory, where it stays after that device's tab is closed.",
              "Open this site in a separate Firefox with a profile of its own, e.g.:\n"
              "  firefox --no-remote --profile \"$(mktemp -d)\" {url|sh}\n"
              "or close every tab of the other device, open about:memory, press \"Minimize memory usage\" and "
              "reload this page; or quit Firefox completely, start it again and open this site first. Closing "
              "the other device's tabs and waiting does not help by itself. For good, give the devices "
              "certificates with serial numbers of their own."),
    CONDITION(open_site_conflict, error, "{other_host} holds a certificate with this site's issuer and serial",
              "{other_url} presents a certificate from the same issuer ({issuer}) with the same serial number "
              "({serial}) as this site ({subject}), but with other content (SHA-256 {other_sha256}, for "
              "{other_names}). Once Firefox has opened one of the two, it keeps that certificate in memory, even "
              "after the tab is closed, and refuses the other. Nothing in the profile is wrong, and nothing "
              "needs removing.",
              "Open this site in a separate Firefox with a profile of its own, e.g.:\n"
              "  firefox --no-remote --profile \"$(mktemp -d)\" {url|sh}\n"
              "or close every tab of {other_host}, open about:memory, press \"Minimize memory usage\" and "
              "reload this page; or quit Firefox completely, start it again and open this site first. For "
              "good, give one of the two a certificate with a serial number of its own (a CA that issues "
              "unique serials, or a new certificate with a random serial)."),
    CONDITION(compare_incomplete, info, "{unchecked} of the other sites could not be checked",
              "certdoctor could not fetch the certificates of {urls} (not reachable from here, or not within "
              "the time allowed), so it cannot say whether one of them holds this site's issuer and serial.",
              "Diagnose again once they answer, or check one of them directly: certdoctor diagnose URL --compare "
              "URL."),

    // --- How the verdict was reached -------------------------------------------------------------------------
    CONDITION(prediction_differs, warning, "Firefox reported {reported}, but certdoctor predicts {predicted}",
              "certdoctor sees a different result from here than Firefox reported. The host may see another "
              "chain than Firefox did: a TLS-inspecting proxy between Firefox and the site, another route or "
              "DNS answer, a server that changed since, or a connection Firefox still holds open.",
              "If Firefox uses a proxy, diagnose through it (--proxy). Reload the page in Firefox, and "
              "diagnose again."),
    CONDITION(builtin_roots_unavailable, info, "Firefox's built-in roots could not be consulted",
              "certdoctor could not load a built-in roots module ({detail}); chains that end at a public root "
              "are judged without it.",
              "Install libnss3 (it provides libnssckbi.so), or point CERTDOCTOR_BUILTIN_ROOTS at a roots module."),
    CONDITION(exception_applies, info, "An exception lets this certificate through",
              "Firefox would show {error}, but the profile holds an exception (cert_override.txt) for "
              "{host_port} with this certificate's fingerprint, so the page loads.",
              "Nothing to do. To remove the exception: Settings > Certificates > Servers."),
    CONDITION(stale_exception, warning, "An old exception for {host_port} no longer matches",
              "cert_override.txt holds an exception for {host_port} for another certificate ({fingerprint}); "
              "the server's current certificate ({served_fingerprint}) is not covered by it.",
              "Accept the new certificate on Firefox's error page if you trust it; the old exception can be "
              "deleted in Settings > Certificates > Servers."),
    CONDITION(issuer_not_sent, error, "Nobody supplies the issuer {issuer}",
              "The server sent {sent} certificate(s), none of them {issuer}, which issued the site's certificate, "
              "and Firefox does not hold it either; Firefox does not fetch missing issuers, so it cannot reach a "
              "root it trusts.{where}",
              "If {issuer} is an intermediate CA, configure the server to send it after its own certificate, e.g. "
              "a file made with\n"
              "  cat server.crt intermediate.crt > fullchain.crt\n"
              "(nginx: ssl_certificate fullchain.crt; Apache: SSLCertificateFile fullchain.crt; appliances: upload "
              "the chain where the server certificate is configured). If it is your organisation's own root CA, "
              "import it into Firefox (Settings > Certificates > Authorities > Import) or roll it out by policy "
              "(Certificates > Install)."),
    CONDITION(not_overridable, info, "This error cannot be bypassed",
              "Firefox offers no way to continue past {error}.",
              "Fix the cause as described above."),
    CONDITION(hsts_host, warning, "{host} is an HSTS site: no way past the error",
              "This Firefox remembers that {domain} asked to be reached only over verified secure connections "
              "(HTTP Strict Transport Security{subdomains}, until {expires}). On such a site Firefox shows {error} "
              "with no button to continue, and ignores any exception stored for it.",
              "Fix the certificate on the server (see above). If the site should not use HSTS, make it send "
              "\"Strict-Transport-Security: max-age=0\"; or clear this Firefox's memory of it: History > "
              "right-click the site > Forget About This Site."),
    CONDITION(hsts_preloaded, warning, "{host} is under .{domain}, which is HSTS everywhere",
              "Every name under .{domain} is on the HSTS preload list built into Firefox, so Firefox shows {error} "
              "with no button to continue, and ignores any exception stored for it.",
              "Fix the certificate on the server (see above); no browser setting lifts a preloaded HSTS rule. For "
              "devices on an internal network, use a name under a domain that is not preloaded."),

    // --- The profile ------------------------------------------------------------------------------------------
    CONDITION(profile_not_found, warning, "No Firefox profile was found",
              "certdoctor looked in {searched} and found no profile with a certificate database, so it "
              "cannot check what this Firefox has stored.",
              "Name the profile folder (the one holding cert9.db):\n"
              "  certdoctor diagnose {url|sh} --profile ~/.mozilla/firefox/XXXXXXXX.default-release"),
    CONDITION(profile_unusable, warning, "The profile {path} cannot be used",
              "{detail}.",
              "Check the path: it must be a Firefox profile folder holding cert9.db, readable by this user."),

    // --- The certificate database ---------------------------------------------------------------------------------
    CONDITION(store_missing, warning, "No certificate database in {path}", "{detail}.",
              "Name a Firefox profile folder, the one that holds cert9.db."),
    CONDITION(store_unreadable, warning, "The certificate database in {path} cannot be read", "{detail}.",
              "Run certdoctor as the user who owns the profile."),
    CONDITION(store_corrupt, error, "The certificate database in {path} cannot be opened", "{detail}.",
              "Firefox may be able to repair it at its next start. Keep a copy of cert9.db before anything else."),
    CONDITION(store_read_only, error, "The certificate database in {path} is read-only", "{detail}.",
              "Run certdoctor as the profile's owner, or make the profile writable."),
    CONDITION(store_password, error, "The profile {path} is protected by a Primary Password", "{detail}.",
              "Remove the certificate in Firefox (Settings > Certificates) after entering the Primary Password."),
    CONDITION(store_failed, error, "The certificate database in {path} could not be used", "{detail}.",
              "Try again; if another program holds the database, close it first."),
    CONDITION(after_check_failed, warning, "The change is done, but checking {url} afterwards failed",
              "certdoctor made the change and then could not check what Firefox shows for the site now: "
              "{detail}.",
              "Reload the page in Firefox, or check it from a terminal:\n"
              "  certdoctor diagnose {url|sh} --profile {profile|sh}"),
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

const ErrorRow* find_error_row(pkix::Result result) {
  auto it = std::find_if(std::begin(kTable), std::end(kTable), [&](const ErrorRow& r) { return r.result == result; });
  return it == std::end(kTable) ? nullptr : &*it;
}

const ErrorRow* find_error_row(Condition condition) { return find_error_row(code_of(condition)); }

const ErrorRow* find_error_row(int nss_code) {
  if (nss_code == 0) return nullptr;
  auto it = std::find_if(std::begin(kTable), std::end(kTable),
                         [&](const ErrorRow& r) { return r.nss_code == nss_code; });
  return it == std::end(kTable) ? nullptr : &*it;
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

namespace {

// The keys of the "{key}" and "{key|sh}" placeholders in a template, in order.
std::vector<std::string> placeholders(std::string_view tpl) {
  std::vector<std::string> out;
  for (std::size_t open = tpl.find('{'); open != std::string_view::npos; open = tpl.find('{', open + 1)) {
    std::size_t close = tpl.find('}', open);
    if (close == std::string_view::npos) break;
    std::string_view key = tpl.substr(open + 1, close - open - 1);
    out.emplace_back(key.substr(0, key.find('|')));
  }
  return out;
}

}  // namespace

std::vector<std::string> unfilled_placeholders(const ErrorRow& row, const nlohmann::json& values) {
  std::vector<std::string> missing;
  for (std::string_view tpl : {row.title, row.explanation, row.cause, row.fix}) {
    for (auto& key : placeholders(tpl)) {
      const bool filled = values.is_object() && values.contains(key) && !values[key].is_null();
      if (!filled && std::find(missing.begin(), missing.end(), key) == missing.end()) missing.push_back(key);
    }
  }
  return missing;
}

nlohmann::json render_finding(const Finding& f) {
  nlohmann::json j = {{"code", f.code}};
  const ErrorRow* row = find_error_row(f.code);
#ifdef CERTDOCTOR_STRICT_TEMPLATES
  if (row) {
    if (auto missing = unfilled_placeholders(*row, f.values); !missing.empty()) {
      throw std::logic_error("the finding " + f.code + " lacks the value '" + missing[0] + "' its texts need");
    }
  }
#endif
  j["severity"] = to_string(row ? row->severity : Severity::error);
  if (row && row->nss_code) j["nss_code"] = row->nss_code;
  if (f.cert) j["cert"] = *f.cert;
  if (!f.field.empty()) j["field"] = f.field;
  j["values"] = f.values;
  j["title"] = row ? render_template(row->title, f.values) : f.code;
  j["explanation"] = row ? render_template(row->explanation, f.values) : "";
  j["cause"] = row ? render_template(row->cause, f.values) : "";
  j["fix"] = row ? render_template(row->fix, f.values) : "";
  return j;
}

}  // namespace certdoctor
