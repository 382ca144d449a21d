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

// Each row of the one table (codes/codes.def) for an error or a condition: for an error Firefox shows, the name is
// its symbol's text and the number its value, from NSS's headers (secerr.h, sslerr.h, prerror.h) or the block
// above; a condition has its lower-case code and no number.
constexpr ErrorRow kTable[] = {
#define CERTDOCTOR_FIREFOX_ERROR(Name, SYMBOL, override, field, about, severity, title, explanation, cause, fix) \
  ErrorRow{#SYMBOL, SYMBOL, Severity::severity, title, explanation, cause, fix, pkix::Result::Name},
#define CERTDOCTOR_CONDITION(name, severity, title, explanation, fix) \
  ErrorRow{#name, 0, Severity::severity, title, explanation, "", fix, std::nullopt},
#include "codes/codes.def"
};

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

std::vector<std::string> unfilled_placeholders(const ErrorRow& row, const nlohmann::json& values) {
  return unfilled_placeholders({row.title, row.explanation, row.cause, row.fix}, values);
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
