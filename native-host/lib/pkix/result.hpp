// Every outcome of certificate checking and of the handshake that Firefox reports, each with its NSS or
// mozilla::pkix symbol and Firefox's facts about it. This X-macro is the one list of them: the symbol's text is the
// error name Firefox shows (firefox_code), diagnosis/error_table.cpp takes the number from NSS's headers by the same
// symbol and holds the words for each Result in a row of its own (a unit test checks that every Result has one).
//   override:  whether Firefox's error page offers an exception for it (PSM's overridable errors)
//   field:     the certificate field it concerns, "" when none
//   about:     `issuer` when it concerns a certificate above the one checked (the issuer, or higher)
// Some results are never produced by certdoctor's own checks (revocation, pinning, ...) but Firefox reports them,
// and a diagnosis explains them then.
#pragma once
#include <string_view>

namespace certdoctor::pkix {

#define CERTDOCTOR_PKIX_RESULTS(X)                                                                                   \
  X(BadDer, SEC_ERROR_BAD_DER, final, "", subject)                                                                   \
  X(InvalidTime, SEC_ERROR_INVALID_TIME, overridable, "validity", subject)                                           \
  X(InvalidIntegerEncoding, MOZILLA_PKIX_ERROR_INVALID_INTEGER_ENCODING, final, "", subject)                         \
  X(BadSignature, SEC_ERROR_BAD_SIGNATURE, final, "signature_algorithm", subject)                                    \
  X(SignatureAlgorithmDisabled, SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED, overridable, "signature_algorithm",     \
    subject)                                                                                                         \
  X(SignatureAlgorithmMismatch, MOZILLA_PKIX_ERROR_SIGNATURE_ALGORITHM_MISMATCH, final, "signature_algorithm",       \
    subject)                                                                                                         \
  X(InvalidAlgorithm, SEC_ERROR_INVALID_ALGORITHM, final, "", subject)                                               \
  X(InadequateKeySize, MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE, overridable, "public_key", subject)                   \
  X(UnsupportedKeyAlg, SEC_ERROR_UNSUPPORTED_KEYALG, final, "public_key", subject)                                   \
  X(UnsupportedEllipticCurve, SEC_ERROR_UNSUPPORTED_ELLIPTIC_CURVE, final, "public_key", subject)                    \
  X(UnsupportedEcPointForm, SEC_ERROR_UNSUPPORTED_EC_POINT_FORM, final, "public_key", subject)                       \
  X(EmptyIssuerName, MOZILLA_PKIX_ERROR_EMPTY_ISSUER_NAME, overridable, "issuer", subject)                           \
  X(ExpiredCertificate, SEC_ERROR_EXPIRED_CERTIFICATE, overridable, "validity", subject)                             \
  X(NotYetValidCertificate, MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE, overridable, "validity", subject)          \
  X(ExpiredIssuerCertificate, SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE, overridable, "validity", issuer)                 \
  X(NotYetValidIssuerCertificate, MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE, overridable, "validity",      \
    issuer)                                                                                                          \
  X(UnknownIssuer, SEC_ERROR_UNKNOWN_ISSUER, overridable, "issuer", subject)                                         \
  X(UntrustedIssuer, SEC_ERROR_UNTRUSTED_ISSUER, final, "issuer", issuer)                                            \
  X(UntrustedCert, SEC_ERROR_UNTRUSTED_CERT, final, "", subject)                                                     \
  X(SelfSignedCert, MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT, overridable, "issuer", subject)                             \
  X(CaCertInvalid, SEC_ERROR_CA_CERT_INVALID, overridable, "basic_constraints", issuer)                              \
  X(CaCertUsedAsEndEntity, MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY, overridable, "basic_constraints",          \
    subject)                                                                                                         \
  X(V1CertUsedAsCa, MOZILLA_PKIX_ERROR_V1_CERT_USED_AS_CA, overridable, "basic_constraints", issuer)                 \
  X(PathLenConstraintInvalid, SEC_ERROR_PATH_LEN_CONSTRAINT_INVALID, final, "basic_constraints", issuer)             \
  X(InadequateKeyUsage, SEC_ERROR_INADEQUATE_KEY_USAGE, final, "key_usage", subject)                                 \
  X(InadequateCertType, SEC_ERROR_INADEQUATE_CERT_TYPE, final, "extended_key_usage", subject)                        \
  X(ExtensionValueInvalid, SEC_ERROR_EXTENSION_VALUE_INVALID, final, "extensions", subject)                          \
  X(UnknownCriticalExtension, SEC_ERROR_UNKNOWN_CRITICAL_EXTENSION, final, "extensions", subject)                    \
  X(PolicyValidationFailed, SEC_ERROR_POLICY_VALIDATION_FAILED, final, "", subject)                                  \
  X(CertNotInNameSpace, SEC_ERROR_CERT_NOT_IN_NAME_SPACE, final, "name_constraints", issuer)                         \
  X(CertBadAccessLocation, SEC_ERROR_CERT_BAD_ACCESS_LOCATION, final, "", subject)                                   \
  X(RequiredTlsFeatureMissing, MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING, final, "tls_feature", subject)       \
  X(RevokedCertificate, SEC_ERROR_REVOKED_CERTIFICATE, final, "", subject)                                           \
  X(KeyPinningFailure, MOZILLA_PKIX_ERROR_KEY_PINNING_FAILURE, final, "", subject)                                   \
  X(MitmDetected, MOZILLA_PKIX_ERROR_MITM_DETECTED, final, "", subject)                                              \
  X(InsufficientCertificateTransparency, MOZILLA_PKIX_ERROR_INSUFFICIENT_CERTIFICATE_TRANSPARENCY, final, "",        \
    subject)                                                                                                         \
  X(IssuerNoLongerTrusted, MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED, final, "", subject)                          \
  X(ReusedIssuerAndSerial, SEC_ERROR_REUSED_ISSUER_AND_SERIAL, final, "serial", subject)                             \
  X(BadCertDomain, SSL_ERROR_BAD_CERT_DOMAIN, overridable, "subject_alt_names", subject)                             \
  X(NoCypherOverlap, SSL_ERROR_NO_CYPHER_OVERLAP, final, "", subject)                                                \
  X(UnsupportedVersion, SSL_ERROR_UNSUPPORTED_VERSION, final, "", subject)                                           \
  /* Firefox's own handshake (fetch/firefox_hello): alerts the server sent, as NSS names them, and a server that */  \
  /* hung up on the ClientHello (Firefox's network error, an nsresult: no NSS number) */                              \
  X(ProtocolVersionAlert, SSL_ERROR_PROTOCOL_VERSION_ALERT, final, "", subject)                                      \
  X(HandshakeFailureAlert, SSL_ERROR_HANDSHAKE_FAILURE_ALERT, final, "", subject)                                    \
  X(CertificateRequiredAlert, SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT, final, "", subject)                           \
  X(InternalErrorAlert, SSL_ERROR_INTERNAL_ERROR_ALERT, final, "", subject)                                          \
  X(NetReset, NS_ERROR_NET_RESET, final, "", subject)                                                                \
  X(UnknownError, PR_UNKNOWN_ERROR, final, "", subject)                                                            \
  X(FatalLibraryFailure, SEC_ERROR_LIBRARY_FAILURE, final, "", subject)

enum class Result {
  Success,
#define CERTDOCTOR_PKIX_ENUM(name, symbol, override, field, about) name,
  CERTDOCTOR_PKIX_RESULTS(CERTDOCTOR_PKIX_ENUM)
#undef CERTDOCTOR_PKIX_ENUM
};

// Firefox's facts about one result, from its row above.
struct ResultFacts {
  std::string_view firefox_code;  // the error name Firefox shows ("" for Success)
  bool overridable = false;
  std::string_view field;
  bool about_issuer = false;
};

constexpr ResultFacts facts(Result r) {
  constexpr bool overridable = true, final = false, issuer = true, subject = false;
  switch (r) {
    case Result::Success: return {};
#define CERTDOCTOR_PKIX_CASE(name, symbol, override, field, about) \
  case Result::name:                                               \
    return {#symbol, override, field, about};
    CERTDOCTOR_PKIX_RESULTS(CERTDOCTOR_PKIX_CASE)
#undef CERTDOCTOR_PKIX_CASE
  }
  return facts(Result::UnknownError);
}

// The error name Firefox shows for a result ("" for Success).
constexpr std::string_view firefox_code(Result r) { return facts(r).firefox_code; }

// A certificate's own failure as it is reported when that certificate was tried as an issuer: an untrusted, expired
// or not yet valid issuer is named as such.
constexpr Result as_issuer_result(Result r) {
  if (r == Result::UntrustedCert) return Result::UntrustedIssuer;
  if (r == Result::ExpiredCertificate) return Result::ExpiredIssuerCertificate;
  if (r == Result::NotYetValidCertificate) return Result::NotYetValidIssuerCertificate;
  return r;
}

// A failure of the machinery rather than a fact about the certificate (a trust domain's database broke): path
// building stops at once and hands it back, as mozilla::pkix does with its fatal errors.
constexpr bool is_fatal(Result r) { return r == Result::FatalLibraryFailure; }

// Propagates a failure from a step, mozilla::pkix style: every check is `CERTDOCTOR_TRY(step(...));`.
#define CERTDOCTOR_TRY(expr)                                            \
  do {                                                                 \
    if (::certdoctor::pkix::Result r_ = (expr); r_ != ::certdoctor::pkix::Result::Success) return r_; \
  } while (0)

}  // namespace certdoctor::pkix
