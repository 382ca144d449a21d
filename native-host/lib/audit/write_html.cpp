// A self-contained HTML report: inline CSS and inline SVG charts (collision groups, verdicts, an expiry
// timeline), then the groups with their fix and every endpoint. No script, no external asset, so that it opens
// the same from a mail attachment or a file share. Every text is escaped and shown with printable().
#include <algorithm>
#include <ctime>

#include "audit/audit_findings.hpp"
#include "audit/report_writers.hpp"
#include "base/text.hpp"
#include "base/utc.hpp"

namespace certdoctor::audit {
namespace {

std::string esc(const std::string& raw) {
  const std::string s = printable(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
.meta{color:#555} .summary{font-size:15px;margin:12px 0}
.charts{display:flex;flex-wrap:wrap;gap:24px} figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:10px}
figcaption{font-weight:600;margin-bottom:6px}
table{border-collapse:collapse;width:100%;font-size:13px} th,td{border-bottom:1px solid #e3e3e3;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4} td.mono,code{font-family:ui-monospace,monospace;font-size:12px}
.bad{color:#b00020;font-weight:600} .ok{color:#176b2c} .group{border:1px solid #e0b4b4;background:#fff8f8;border-radius:6px;padding:8px 12px;margin:10px 0}
pre{background:#f6f6f6;padding:6px 8px;overflow-x:auto}
)";

// Horizontal bars: one per label, the longest scaled to the chart's width.
void bar_chart(std::ostream& out, const std::vector<std::pair<std::string, std::size_t>>& rows,
               const std::string& title, const std::string& color_for_bad) {
  const int width = 520, label_w = 300, row_h = 22;
  std::size_t max = 1;
  for (const auto& r : rows) max = std::max(max, r.second);
  const int height = static_cast<int>(rows.size()) * row_h + 10;
  out << "<figure><figcaption>" << esc(title) << "</figcaption><svg role=\"img\" aria-label=\"" << esc(title)
      << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height << "\">";
  int y = 5;
  for (const auto& [label, count] : rows) {
    const int w = static_cast<int>((width - label_w - 50) * count / max);
    const bool good = label == "loads";
    out << "<text x=\"0\" y=\"" << y + 15 << "\" font-size=\"12\">" << esc(label.size() > 44 ? label.substr(0, 43) + "~" : label)
        << "</text><rect x=\"" << label_w << "\" y=\"" << y + 3 << "\" width=\"" << std::max(w, 1) << "\" height=\"16\" fill=\""
        << (good ? "#2e8b57" : color_for_bad) << "\"/><text x=\"" << label_w + std::max(w, 1) + 6 << "\" y=\"" << y + 15
        << "\" font-size=\"12\">" << count << "</text>";
    y += row_h;
  }
  out << "</svg></figure>\n";
}

// Months on the x axis from the earliest to the latest expiry (at most 36 columns), a bar per month, this month
// marked; months before it in red (already expired).
void expiry_timeline(std::ostream& out, const AuditReport& r) {
  const std::string now_month = utc_format(static_cast<std::time_t>(r.generated_at), "%Y-%m");
  std::vector<std::pair<std::string, std::size_t>> months(r.expiry_by_month.begin(), r.expiry_by_month.end());
  if (months.size() > 36) {
    // Keep the window around today: expired and the next three years matter most.
    auto from = std::lower_bound(months.begin(), months.end(), std::make_pair(now_month, std::size_t{0}));
    std::size_t start = static_cast<std::size_t>(std::max<long>(0, (from - months.begin()) - 6));
    months = std::vector<std::pair<std::string, std::size_t>>(months.begin() + static_cast<long>(start),
                                                              months.begin() + static_cast<long>(std::min(start + 36, months.size())));
  }
  const int col = 22, height = 180, base = 140;
  const int width = std::max<int>(200, static_cast<int>(months.size()) * col + 40);
  std::size_t max = 1;
  for (const auto& m : months) max = std::max(max, m.second);
  out << "<figure><figcaption>Expiry timeline (leaf certificates by month of expiry)</figcaption>"
      << "<svg role=\"img\" aria-label=\"Expiry timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
      << "\" height=\"" << height << "\"><line x1=\"20\" y1=\"" << base << "\" x2=\"" << width << "\" y2=\"" << base
      << "\" stroke=\"#999\"/>";
  int x = 24;
  for (const auto& [month, count] : months) {
    const int h = static_cast<int>(110 * count / max);
    const bool expired = month < now_month, soon = month == now_month;
    out << "<rect x=\"" << x << "\" y=\"" << base - h << "\" width=\"" << col - 6 << "\" height=\"" << std::max(h, 1)
        << "\" fill=\"" << (expired ? "#b00020" : soon ? "#e08a00" : "#3b6fb6") << "\"><title>" << esc(month) << ": "
        << count << "</title></rect><text x=\"" << x << "\" y=\"" << base - h - 3 << "\" font-size=\"10\">" << count
        << "</text><text transform=\"translate(" << x + 12 << "," << base + 6 << ") rotate(60)\" font-size=\"10\">"
        << esc(month) << "</text>";
    if (soon) out << "<text x=\"" << x << "\" y=\"12\" font-size=\"10\" fill=\"#e08a00\">now</text>";
    x += col;
  }
  out << "</svg></figure>\n";
}

// A group's device, its endpoints with their certificates, and the commands that fix it.
void members_and_fix(std::ostream& out, const std::optional<DeviceMatch>& device,
                     const std::vector<CollisionMember>& members, const std::string& fix_words,
                     const std::vector<std::string>& fix) {
    if (device) out << "<br>device: " << esc(device->vendor + " " + device->product);
    out << "<table><tr><th>endpoint</th><th>sha256 of its certificate</th><th>subject</th></tr>";
    for (const auto& m : members) {
      out << "<tr><td class=\"mono\">" << esc(m.endpoint) << "</td><td class=\"mono\">" << esc(m.sha256) << "</td><td>"
          << esc(m.subject) << "</td></tr>";
    }
  out << "</table>Fix: " << esc(fix_words) << ":<pre>";
  for (const auto& c : fix) out << esc(c) << "\n";
  out << "</pre>";
}

}  // namespace

void write_html(std::ostream& out, const AuditReport& r) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>certdoctor audit</title>"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
      << "<style>" << kStyle << "</style></head><body>\n";
  out << "<h1>Fleet audit: which devices Firefox will refuse, and which break each other</h1>\n<p class=\"meta\">"
      << esc(utc_format(static_cast<std::time_t>(r.generated_at))) << " &middot; judged against " << esc(r.trust)
      << " &middot; inputs: ";
  for (std::size_t i = 0; i < r.inputs.size(); ++i) out << (i ? ", " : "") << esc(r.inputs[i]);
  out << "</p>\n<p class=\"summary " << (r.exit_code() ? "bad" : "ok") << "\">" << esc(summary_line(r)) << "</p>\n";

  out << "<div class=\"charts\">\n";
  std::vector<std::pair<std::string, std::size_t>> group_rows;
  for (std::size_t i = 0; i < r.groups.size() && i < 30; ++i) {
    const auto& g = r.groups[i];
    group_rows.emplace_back("group " + std::to_string(i + 1) + " (" + g.kind + ")" +
                                (g.device ? " " + g.device->vendor + " " + g.device->product : ""),
                            g.members.size());
  }
  if (group_rows.empty()) group_rows.emplace_back("no collisions", 0);
  bar_chart(out, group_rows, "Collision groups (endpoints in each)", "#b00020");
  std::vector<std::pair<std::string, std::size_t>> verdict_rows(r.verdicts.begin(), r.verdicts.end());
  std::sort(verdict_rows.begin(), verdict_rows.end(), [](auto& a, auto& b) { return a.second > b.second; });
  bar_chart(out, verdict_rows, "What Firefox shows (endpoints per verdict)", "#c0562a");
  expiry_timeline(out, r);
  out << "</div>\n";

  out << "<h2>Collision groups</h2>\n";
  if (r.groups.empty()) out << "<p class=\"ok\">No two endpoints share an issuer and serial with different certificates.</p>\n";
  for (std::size_t i = 0; i < r.groups.size(); ++i) {
    const auto& g = r.groups[i];
    out << "<div class=\"group\" id=\"group-" << i + 1 << "\"><strong>Group " << i + 1 << "</strong> &middot; "
        << esc(kind_words(g.kind)) << "<br>" << esc(when_words(g.when)) << "<br>issuer <code>" << esc(g.issuer) << "</code>, serial <code>" << esc(g.serial)
        << "</code>";
    members_and_fix(out, g.device, g.members, "give each its own certificate with a fresh random serial", g.fix);
    if (g.device && !g.device->install_hint.empty()) out << "Then install it: " << esc(g.device->install_hint);
    out << "</div>\n";
  }

  if (!r.shared_keys.empty()) {
    out << "<h2>Shared keys</h2>\n<p class=\"bad\">Each group below presents one public key on different hosts. Whoever "
           "has the private key of one (from the device or its firmware image) can pose as each of them, whatever "
           "Firefox shows.</p>\n";
  }
  for (std::size_t i = 0; i < r.shared_keys.size(); ++i) {
    const auto& g = r.shared_keys[i];
    out << "<div class=\"group\" id=\"shared-key-" << i + 1 << "\"><strong>Shared key " << i + 1 << "</strong> &middot; "
        << esc(shared_words(g)) << " (" << esc(g.key) << ")<br>key sha256 <code>" << esc(g.spki_sha256) << "</code>";
    members_and_fix(out, g.device, g.members, "give each its own key (and certificate)", g.fix);
    out << "</div>\n";
  }

  out << "<h2>Endpoints</h2>\n<table><tr><th>endpoint</th><th>what Firefox shows</th><th>certificate</th><th>device</th><th>expires</th>"
      << "<th>key</th><th>source</th><th>notes</th></tr>\n";
  r.for_each_endpoint([&](const EndpointReport& e) {
    const std::string firefox = !e.reachable ? "(not reached)" : e.verdict.empty() ? "loads" : e.verdict;
    out << "<tr><td class=\"mono\">" << esc(e.endpoint) << "</td><td class=\"" << (e.refused() ? "bad" : "ok") << "\">"
        << esc(firefox) << "</td><td>" << esc(e.subject) << "</td><td>" << (e.device ? esc(e.device->vendor + " " + e.device->product) : "") << "</td><td>"
        << esc(e.not_after.substr(0, 10)) << "</td><td>" << esc(e.key) << "</td><td>" << esc(e.source) << "</td><td>";
    for (const auto& f : e.findings) {
      if (f.code == code_of(AuditFinding::Collision) && e.collision_group) {
        out << "<a href=\"#group-" << *e.collision_group + 1 << "\">" << esc(f.text) << "</a><br>";
      } else if (f.code == code_of(AuditFinding::SharedKey) && e.shared_key_group) {
        out << "<a href=\"#shared-key-" << *e.shared_key_group + 1 << "\">" << esc(f.text) << "</a><br>";
      } else {
        out << esc(f.text) << "<br>";
      }
    }
    out << "</td></tr>\n";
  });
  out << "</table>\n";
  if (!r.input_problems.empty()) {
    out << "<h2>Not used</h2><ul>";
    for (const auto& p : r.input_problems) out << "<li>" << esc(p) << "</li>";
    out << "</ul>";
  }
  out << "</body></html>\n";
}

}  // namespace certdoctor::audit
