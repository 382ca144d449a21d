// The texts of the one table of codes (codes/codes.def) are templates: "{name}" is the value `name` as plain text,
// "{name|sh}" the same value quoted for a POSIX shell, so that a pasted command runs exactly as shown whatever a
// certificate contains. Shared by the diagnosis' error table and the audit's findings.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace certdoctor {

// The template with its placeholders filled from `values` (an object); a value that is missing renders as "?".
std::string render_template(std::string_view tpl, const nlohmann::json& values);

// The keys of the template's placeholders, in order.
std::vector<std::string> placeholders(std::string_view tpl);

// The placeholders of the templates that `values` does not fill (missing or null), each once.
std::vector<std::string> unfilled_placeholders(std::initializer_list<std::string_view> templates,
                                               const nlohmann::json& values);

}  // namespace certdoctor
