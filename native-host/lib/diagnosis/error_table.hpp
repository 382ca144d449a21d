// Everything a diagnosis can say, read from the one table of codes (codes/codes.def): the stable codes, the numbers
// Firefox reports, and the explanations and fixes shown by the CLI and sent to the extension.
#pragma once
#include "base/conditions.hpp"
#include "base/finding.hpp"
#include "base/template.hpp"
#include "base/text.hpp"
#include "pkix/result.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace certdoctor {

enum class Severity { info, warning, error };
std::string_view to_string(Severity s);

// The errors and conditions of the one table of codes (codes/codes.def), with their words. Firefox errors are keyed
// on their pkix::Result: the name is the row's NSS symbol and the number its value from NSS's headers. Conditions
// the host finds itself (server down, profile missing, ...) are keyed on their Condition: a lower-case code and
// number 0. Texts are templates (base/template.hpp). Each row: the name, the number Firefox reports, what it means
// (explanation), the likely real-world cause, and the fix; conditions leave the cause to the explanation.
struct ErrorRow {
  std::string_view code;
  int nss_code;
  Severity severity;
  std::string_view title;
  std::string_view explanation;
  std::string_view cause;
  std::string_view fix;
  std::optional<pkix::Result> result;  // for a Firefox error
};

std::span<const ErrorRow> error_table();
const ErrorRow* find_error_row(std::string_view code);
const ErrorRow* find_error_row(int nss_code);
// Every Result and every Condition has its row (checked by a unit test); these never return null for them.
const ErrorRow* find_error_row(pkix::Result result);
const ErrorRow* find_error_row(Condition condition);


// {code, severity, [nss_code], [cert], [field], values, title, explanation, cause, fix}
nlohmann::json render_finding(const Finding& f);

// The placeholders of the row's title, explanation, cause and fix that `values` does not fill. A finding must
// never show one: render_finding renders a missing value as "?", and a build with its tests
// (CERTDOCTOR_STRICT_TEMPLATES) throws std::logic_error instead, so that every test that renders a finding
// catches a code path that forgot a value.
std::vector<std::string> unfilled_placeholders(const ErrorRow& row, const nlohmann::json& values);

}  // namespace certdoctor
