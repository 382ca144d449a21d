#include "diagnosis/error_table.hpp"

#include "diagnosis/error_numbers.hpp"
#include "diagnosis/fact_words.hpp"

#include <algorithm>
#include <stdexcept>

namespace certdoctor {
namespace {

using namespace error_numbers;

// Each row of the one table (codes/codes.def) for an error or a condition: for an error Firefox shows, the name is
// its symbol's text and the number its value (diagnosis/error_numbers.hpp); a condition has its lower-case code and no number.
constexpr ErrorRow kTable[] = {
#define CERTDOCTOR_FIREFOX_ERROR(Name, SYMBOL, override, field, about, severity, web, title, explanation, cause, fix) \
  ErrorRow{#SYMBOL, SYMBOL, Severity::severity, title, explanation, cause, fix, pkix::Result::Name},
#define CERTDOCTOR_CONDITION(name, severity, web, title, explanation, fix) \
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
  return unfilled_placeholders({row.title, row.explanation, row.cause, row.fix}, with_words(row, values));
}

nlohmann::json render_finding(const Finding& f) {
  nlohmann::json j = {{"code", f.code}};
  const ErrorRow* row = find_error_row(f.code);
  // The texts take the facts and the words for them; the protocol's `values` are the facts alone.
  const nlohmann::json filled = row ? with_words(*row, f.values) : f.values;
#ifdef CERTDOCTOR_STRICT_TEMPLATES
  if (row) {
    if (auto missing = unfilled_placeholders({row->title, row->explanation, row->cause, row->fix}, filled); !missing.empty()) {
      throw std::logic_error("the finding " + f.code + " lacks the value '" + missing[0] + "' its texts need");
    }
  }
#endif
  j["severity"] = to_string(row ? row->severity : Severity::error);
  if (row && row->nss_code) j["nss_code"] = row->nss_code;
  if (f.cert) j["cert"] = *f.cert;
  if (!f.field.empty()) j["field"] = f.field;
  j["values"] = f.values;
  j["title"] = row ? render_template(row->title, filled) : f.code;
  j["explanation"] = row ? render_template(row->explanation, filled) : "";
  j["cause"] = row ? render_template(row->cause, filled) : "";
  j["fix"] = row ? render_template(row->fix, filled) : "";
  return j;
}

}  // namespace certdoctor
