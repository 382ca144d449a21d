// The fleet audit's findings about one endpoint, as rows of the one table of codes (codes/codes.def,
// CERTDOCTOR_AUDIT_FINDING): each way of wording a finding has its row, the code the reports carry and a text
// template filled with the endpoint's values.
#pragma once
#include <nlohmann/json.hpp>

#include <string_view>

#include "audit/report.hpp"

namespace certdoctor::audit {

enum class AuditFinding {
#define CERTDOCTOR_AUDIT_FINDING(Name, ...) Name,
#include "codes/codes.def"
};

// Every audit finding's row, for tests.
inline constexpr AuditFinding kAuditFindings[] = {
#define CERTDOCTOR_AUDIT_FINDING(Name, ...) AuditFinding::Name,
#include "codes/codes.def"
};

// The code the reports carry for it ("unreachable", "weak_key", ...), and its text template.
std::string_view code_of(AuditFinding f);
std::string_view text_of(AuditFinding f);

// The finding with its text filled from `values`. A value the text needs and `values` lacks renders as "?"; a
// build with its tests (CERTDOCTOR_STRICT_TEMPLATES) throws std::logic_error instead.
EndpointFinding audit_finding(AuditFinding f, const nlohmann::json& values = nlohmann::json::object());

}  // namespace certdoctor::audit
