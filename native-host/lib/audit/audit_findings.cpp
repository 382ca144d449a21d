#include "audit/audit_findings.hpp"

#include <stdexcept>
#include <string>

#include "base/template.hpp"

namespace certdoctor::audit {

std::string_view code_of(AuditFinding f) {
  switch (f) {
#define CERTDOCTOR_AUDIT_FINDING(Name, code, text) \
  case AuditFinding::Name:                         \
    return #code;
#include "codes/codes.def"
  }
  return "";
}

std::string_view text_of(AuditFinding f) {
  switch (f) {
#define CERTDOCTOR_AUDIT_FINDING(Name, code, text) \
  case AuditFinding::Name:                         \
    return text;
#include "codes/codes.def"
  }
  return "";
}

EndpointFinding audit_finding(AuditFinding f, const nlohmann::json& values) {
#ifdef CERTDOCTOR_STRICT_TEMPLATES
  if (auto missing = unfilled_placeholders({text_of(f)}, values); !missing.empty()) {
    throw std::logic_error("the audit finding " + std::string(code_of(f)) + " lacks the value '" + missing[0] +
                           "' its text needs");
  }
#endif
  return {std::string(code_of(f)), render_template(text_of(f), values)};
}

}  // namespace certdoctor::audit
