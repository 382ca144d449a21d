// The one table of everything a diagnosis can say. It drives the stable codes, the numbers Firefox reports,
// and the explanations and fixes shown by the CLI and sent to the extension.
#pragma once
#include "base/conditions.hpp"
#include "base/finding.hpp"
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

// Firefox errors are keyed on their pkix::Result: the name and the PRErrorCode Firefox reports follow from the
// Result's row in pkix/result.hpp (the number from NSS's headers). Conditions the host finds itself (server down,
// profile missing, ...) are keyed on their Condition (base/conditions.hpp): a lower-case code and number 0.
// Texts are templates: "{name}" is the finding's value `name` as plain text, "{name|sh}" the same value quoted
// for a POSIX shell, so that a pasted command runs exactly as shown whatever the certificate contains.
// Each row: the name, the number Firefox reports, what it means (explanation), the likely real-world cause,
// and the fix. Rows for conditions the host finds itself may leave the cause empty when the explanation says it.
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

std::string render_template(std::string_view tpl, const nlohmann::json& values);

// The placeholders of the row's title, explanation, cause and fix that `values` does not fill. A finding must
// never show one: render_finding renders a missing value as "?", and a build with its tests
// (CERTDOCTOR_STRICT_TEMPLATES) throws std::logic_error instead, so that every test that renders a finding
// catches a code path that forgot a value.
std::vector<std::string> unfilled_placeholders(const ErrorRow& row, const nlohmann::json& values);

}  // namespace certdoctor
