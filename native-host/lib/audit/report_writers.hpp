// The audit's report written out: a summary table for people (the default), one JSON object (docs/AUDIT.md),
// CSV (one row per endpoint), a self-contained HTML page with inline SVG charts (no external assets), or the
// OpenMetrics text monitoring reads.
// Each streams the endpoints, so a report of a large scan never sits in memory whole.
#pragma once
#include <ostream>

#include "audit/report.hpp"

namespace certdoctor::audit {

void write_table(std::ostream& out, const AuditReport& report);
void write_json(std::ostream& out, const AuditReport& report);
void write_csv(std::ostream& out, const AuditReport& report);
void write_html(std::ostream& out, const AuditReport& report);

// How many series the Prometheus text holds: the counts alone (the default, bounded whatever the fleet's size), also
// one series per collision group, or also one per endpoint.
enum class PrometheusDetail { summary, groups, endpoints };
// OpenMetrics text (docs/AUDIT.md, "Monitoring"), also readable by Prometheus' own text parser.
void write_prometheus(std::ostream& out, const AuditReport& report, PrometheusDetail detail);

// Words shared by the writers.
std::string summary_line(const AuditReport& report);
std::string kind_words(const std::string& kind);
std::string shared_words(const SharedKeyGroup& group);  // "one identical certificate and key on 3 hosts"
std::string when_words(const std::string& when);  // "today" -> "collides today: ...", "once_trusted_or_stored" -> ...  // "twins" -> "twins: the same factory certificate names on several devices"

}  // namespace certdoctor::audit
