// CSV, one row per endpoint (RFC 4180 quoting). Every cell is inert, whatever program opens the file and whatever
// separator its locale uses (`,` or `;`, or a tab): control, C1 and format characters from certificates and
// scanner files are made visible (printable()), and every place a spreadsheet could start a cell, the start of
// the cell and the start of every `,`/`;`/tab-separated piece inside it, gets a ' before a formula trigger, so
// that opening the file never runs anything a certificate's names or a scanner file carry.
#include "audit/report_writers.hpp"
#include "base/text.hpp"

namespace certdoctor::audit {
namespace {

// What a spreadsheet takes as the start of a formula (or of a DDE payload): = + - @, a tab, CR, and the
// full-width = + - @ that some spreadsheets fold to them.
bool formula_trigger(std::string_view rest) {
  if (rest.empty()) return false;
  if (std::string_view("=+-@\t\r").find(rest[0]) != std::string_view::npos) return true;
  for (std::string_view wide : {"\xef\xbc\x9d", "\xef\xbc\x8b", "\xef\xbc\x8d", "\xef\xbc\xa0"}) {
    if (rest.substr(0, wide.size()) == wide) return true;
  }
  return false;
}

std::string csv(const std::string& raw) {
  const std::string s = printable(raw);
  std::string v;
  bool piece_start = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (piece_start) {
      std::size_t j = i;
      while (j < s.size() && s[j] == ' ') ++j;  // spreadsheets skip the blanks before a formula
      if (formula_trigger(std::string_view(s).substr(j))) {
        v.append(s, i, j - i);
        v += '\'';
        i = j;
      }
      piece_start = false;
    }
    v += s[i];
    if (s[i] == ',' || s[i] == ';' || s[i] == '\t') piece_start = true;
  }
  if (v.find_first_of(",;\"\r\n\t") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

void write_csv(std::ostream& out, const AuditReport& r) {
  out << "endpoint,source,reachable,firefox_error,overridable,device,collision_group,collision_kind,sha256,subject,"
         "issuer,serial,not_after,days_left,key,signature_algorithm,tls_version,findings,spki_sha256,shared_key_group\r\n";
  r.for_each_endpoint([&](const EndpointReport& e) {
    std::string findings;
    for (const auto& f : e.findings) findings += (findings.empty() ? "" : "; ") + f.code + ": " + f.text;
    const std::string group = e.collision_group ? std::to_string(*e.collision_group + 1) : "";
    const std::string kind = e.collision_group ? r.groups[*e.collision_group].kind : "";
    out << csv(e.endpoint) << ',' << csv(e.source) << ',' << (e.reachable ? "yes" : "no") << ','
        << csv(e.verdict) << ',' << (e.overridable ? "yes" : "no") << ','
        << csv(e.device ? e.device->vendor + " " + e.device->product : "") << ',' << group << ',' << kind << ','
        << e.sha256 << ',' << csv(e.subject) << ',' << csv(e.issuer) << ',' << e.serial << ',' << e.not_after << ','
        << (e.days_left ? std::to_string(*e.days_left) : "") << ',' << csv(e.key) << ',' << csv(e.signature_algorithm)
        << ',' << csv(e.tls_version) << ',' << csv(findings) << ',' << e.spki_sha256 << ','
        << (e.shared_key_group ? std::to_string(*e.shared_key_group + 1) : "") << "\r\n";
  });
}

}  // namespace certdoctor::audit
