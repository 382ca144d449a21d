// The number Firefox reports for each error symbol of the one table of codes (codes/codes.def): NSS's from its
// headers (secerr.h, sslerr.h, prerror.h), mozilla::pkix's own written here once (pkixnss.h is not installed with
// NSS). Included by the error table and by the generator of the extension's copy of the table (tools/codes_js), so
// that both take one number per symbol.
#pragma once
#include <prerror.h>
#include <secerr.h>
#include <sslerr.h>

namespace certdoctor::error_numbers {

// mozilla::pkix's own codes: a block above NSS's ranges.
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

}  // namespace certdoctor::error_numbers
