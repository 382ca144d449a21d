// Every outcome of certificate checking and of the handshake that Firefox reports: one Result per
// CERTDOCTOR_FIREFOX_ERROR row of the one table of codes (codes/codes.def), with the row's NSS or mozilla::pkix
// symbol (its text is the error name Firefox shows) and Firefox's facts about it. The algorithm takes only these
// columns: the words of each row are the diagnosis' (diagnosis/error_table.cpp), and never compiled in here.
#pragma once
#include <string_view>

namespace certdoctor::pkix {

enum class Result {
  Success,
#define CERTDOCTOR_FIREFOX_ERROR(Name, ...) Name,
#include "codes/codes.def"
};

// Every Result but Success, in the table's order: for tables and tests.
inline constexpr Result kResults[] = {
#define CERTDOCTOR_FIREFOX_ERROR(Name, ...) Result::Name,
#include "codes/codes.def"
};

// Firefox's facts about one result, from its row of the table.
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
#define CERTDOCTOR_FIREFOX_ERROR(Name, SYMBOL, override, field, about, ...) \
  case Result::Name:                                                        \
    return {#SYMBOL, override, field, about};
#include "codes/codes.def"
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
