// Every outcome of certificate checking, each with the exact error name Firefox shows for it. The names are rows
// of the one error table (error_table.cpp), which holds their numbers, explanations and fixes; a unit test checks
// that every name here has its row.
#pragma once
#include <string_view>

namespace certdoctor::pkix {

#define CERTDOCTOR_PKIX_RESULTS(X)                                                             \
  X(Success, "")                                                                               \
  X(BadDer, "SEC_ERROR_BAD_DER")                                                               \
  X(InvalidTime, "SEC_ERROR_INVALID_TIME")                                                     \
  X(InvalidIntegerEncoding, "MOZILLA_PKIX_ERROR_INVALID_INTEGER_ENCODING")                     \
  X(BadSignature, "SEC_ERROR_BAD_SIGNATURE")                                                   \
  X(SignatureAlgorithmDisabled, "SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED")                 \
  X(SignatureAlgorithmMismatch, "MOZILLA_PKIX_ERROR_SIGNATURE_ALGORITHM_MISMATCH")             \
  X(InadequateKeySize, "MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE")                               \
  X(UnsupportedKeyAlg, "SEC_ERROR_UNSUPPORTED_KEYALG")                                         \
  X(UnsupportedEllipticCurve, "SEC_ERROR_UNSUPPORTED_ELLIPTIC_CURVE")                          \
  X(UnsupportedEcPointForm, "SEC_ERROR_UNSUPPORTED_EC_POINT_FORM")                             \
  X(EmptyIssuerName, "MOZILLA_PKIX_ERROR_EMPTY_ISSUER_NAME")                                   \
  X(ExpiredCertificate, "SEC_ERROR_EXPIRED_CERTIFICATE")                                       \
  X(NotYetValidCertificate, "MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE")                    \
  X(ExpiredIssuerCertificate, "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE")                          \
  X(NotYetValidIssuerCertificate, "MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE")       \
  X(UnknownIssuer, "SEC_ERROR_UNKNOWN_ISSUER")                                                 \
  X(UntrustedIssuer, "SEC_ERROR_UNTRUSTED_ISSUER")                                             \
  X(UntrustedCert, "SEC_ERROR_UNTRUSTED_CERT")                                                 \
  X(SelfSignedCert, "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT")                                     \
  X(CaCertInvalid, "SEC_ERROR_CA_CERT_INVALID")                                                \
  X(CaCertUsedAsEndEntity, "MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY")                    \
  X(V1CertUsedAsCa, "MOZILLA_PKIX_ERROR_V1_CERT_USED_AS_CA")                                   \
  X(PathLenConstraintInvalid, "SEC_ERROR_PATH_LEN_CONSTRAINT_INVALID")                         \
  X(InadequateKeyUsage, "SEC_ERROR_INADEQUATE_KEY_USAGE")                                      \
  X(InadequateCertType, "SEC_ERROR_INADEQUATE_CERT_TYPE")                                      \
  X(ExtensionValueInvalid, "SEC_ERROR_EXTENSION_VALUE_INVALID")                                \
  X(UnknownCriticalExtension, "SEC_ERROR_UNKNOWN_CRITICAL_EXTENSION")                          \
  X(PolicyValidationFailed, "SEC_ERROR_POLICY_VALIDATION_FAILED")                              \
  X(CertNotInNameSpace, "SEC_ERROR_CERT_NOT_IN_NAME_SPACE")                                    \
  X(CertBadAccessLocation, "SEC_ERROR_CERT_BAD_ACCESS_LOCATION")                              \
  X(RequiredTlsFeatureMissing, "MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING")              \
  X(IssuerNoLongerTrusted, "MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED")                      \
  X(ReusedIssuerAndSerial, "SEC_ERROR_REUSED_ISSUER_AND_SERIAL")                               \
  X(BadCertDomain, "SSL_ERROR_BAD_CERT_DOMAIN")                                                \
  X(NoCypherOverlap, "SSL_ERROR_NO_CYPHER_OVERLAP")                                            \
  X(UnknownError, "PR_UNKNOWN_ERROR")

enum class Result {
#define CERTDOCTOR_PKIX_ENUM(name, code) name,
  CERTDOCTOR_PKIX_RESULTS(CERTDOCTOR_PKIX_ENUM)
#undef CERTDOCTOR_PKIX_ENUM
};

// The error name Firefox shows for a result ("" for Success).
constexpr std::string_view firefox_code(Result r) {
  switch (r) {
#define CERTDOCTOR_PKIX_CASE(name, code) \
  case Result::name:                     \
    return code;
    CERTDOCTOR_PKIX_RESULTS(CERTDOCTOR_PKIX_CASE)
#undef CERTDOCTOR_PKIX_CASE
  }
  return "PR_UNKNOWN_ERROR";
}

// Propagates a failure from a step, mozilla::pkix style: every check is `CHECK(step(...));`.
#define CERTDOCTOR_TRY(expr)                                            \
  do {                                                                 \
    if (::certdoctor::pkix::Result r_ = (expr); r_ != ::certdoctor::pkix::Result::Success) return r_; \
  } while (0)

}  // namespace certdoctor::pkix
