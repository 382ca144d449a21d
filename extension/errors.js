// Firefox reports a failed load as "Error code N", N an nsresult. Security errors live in the security module:
// N = 0x805A0000 + (-PRErrorCode). The names, explanations and fixes come from the native host's error table;
// the extension only needs to recognise certificate and TLS errors and pass the number on.
"use strict";

const SECURITY_MODULE_BASE = 0x805a0000;
const NS_BINDING_ABORTED = 0x804b0002;

// The PRErrorCode behind a webNavigation error string, or null when it is not a security error.
function securityErrorCode(errorText) {
  const m = /Error code (\d+)/.exec(String(errorText || ""));
  if (!m) return null;
  const n = Number(m[1]);
  if (n === NS_BINDING_ABORTED || n < SECURITY_MODULE_BASE || n >= SECURITY_MODULE_BASE + 0x10000) return null;
  return -(n - SECURITY_MODULE_BASE);
}

// NSS's SEC (-8192 + n), SSL (-12288 + n) and mozilla::pkix (-16384 + n) ranges hold every certificate and TLS
// error; each range is 1000 codes wide.
function isCertificateOrTlsError(code) {
  if (code === null) return false;
  return [-8192, -12288, -16384].some((base) => code >= base && code < base + 1000);
}

if (typeof module !== "undefined") module.exports = { securityErrorCode, isCertificateOrTlsError };
