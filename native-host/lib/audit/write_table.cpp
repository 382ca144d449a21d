// The default output: what an admin reads in a terminal. Every text from a certificate or a scanner goes
// through printable(), so that no control character reaches the terminal.
#include <iomanip>

#include "audit/report_writers.hpp"
#include "base/text.hpp"
#include "base/utc.hpp"

namespace certdoctor::audit {

std::string kind_words(const std::string& kind) {
  if (kind == "twins") return "twins: the same certificate names and serial on several devices";
  return "re-made: the serial was used again for another certificate (new names, or the same endpoint re-made)";
}

std::string when_words(const std::string& when) {
  if (when == "today") {
    return "collides today: one of them loads through a trusted CA (or is refused for a stored copy), so Firefox "
           "refuses the others in a session that opened it";
  }
  return "will collide once one is trusted or stored: none loads through a trusted CA today, and then Firefox rarely "
         "refuses one for another";
}

std::string shared_words(const SharedKeyGroup& g) {
  return (g.shared == "certificate" ? "one identical certificate and key on " : "one public key in " +
                                                                                    std::to_string(g.distinct_certificates) +
                                                                                    " certificates on ") +
         std::to_string(g.hosts) + " hosts";
}

std::string summary_line(const AuditReport& r) {
  return std::to_string(r.endpoints) + " endpoint(s), " + std::to_string(r.reachable) + " reachable; " +
         std::to_string(r.refused) + " refused by Firefox; " + std::to_string(r.in_collisions) + " in " +
         std::to_string(r.groups.size()) + " collision group(s); " + std::to_string(r.sharing_keys) + " sharing " +
         std::to_string(r.shared_keys.size()) + " key(s) across hosts; " + std::to_string(r.expiring) + " expiring within " +
         std::to_string(r.expiring_days) + " days, " + std::to_string(r.expired) + " expired; " + std::to_string(r.weak) +
         " with weak keys or signatures";
}

namespace {

std::string cell(std::string s, std::size_t width) {
  if (s.size() > width) s = s.substr(0, width - 1) + "~";
  return s + std::string(width - s.size() + 2, ' ');
}

// A group's device, its endpoints with their certificates, and the commands that fix it.
void members_and_fix(std::ostream& out, const std::optional<DeviceMatch>& device,
                     const std::vector<CollisionMember>& members, const std::string& fix_words,
                     const std::vector<std::string>& fix) {
  if (device) out << "   device: " << printable(device->vendor + " " + device->product) << "\n";
  for (const auto& m : members) out << "   " << printable(m.endpoint) << "  sha256 " << m.sha256 << "\n";
  out << "   fix: " << fix_words << ":\n";
  for (const auto& c : fix) out << "     " << c << "\n";
}

}  // namespace

void write_table(std::ostream& out, const AuditReport& r) {
  out << "certdoctor audit, " << utc_format(static_cast<std::time_t>(r.generated_at)) << ", judged against "
      << r.trust << "\n\n";
  out << cell("ENDPOINT", 28) << cell("WHAT FIREFOX SHOWS", 40) << cell("DEVICE", 30) << cell("EXPIRES", 10) << "NOTES\n";
  r.for_each_endpoint([&](const EndpointReport& e) {
    std::string firefox = !e.reachable ? "(not reached)" : e.verdict.empty() ? "loads" : e.verdict;
    std::string device = e.device ? e.device->vendor + " " + e.device->product : "";
    std::string notes;
    for (const auto& f : e.findings) notes += (notes.empty() ? "" : "; ") + f.text;
    out << cell(printable(e.endpoint), 28) << cell(firefox, 40) << cell(printable(device), 30)
        << cell(e.not_after.substr(0, 10), 10) << printable(notes) << "\n";
  });
  if (!r.groups.empty()) {
    out << "\nCollision groups: each set of endpoints below shares one issuer and serial; in one Firefox session\n"
        << "one of them is refused with SEC_ERROR_REUSED_ISSUER_AND_SERIAL once another is trusted or stored.\n";
    for (std::size_t i = 0; i < r.groups.size(); ++i) {
      const auto& g = r.groups[i];
      out << "\n" << i + 1 << ". " << kind_words(g.kind) << "\n   " << when_words(g.when) << "\n"
          << "   issuer " << printable(g.issuer) << ", serial " << g.serial << "; " << g.members.size()
          << " endpoint(s), " << g.distinct_certificates << " different certificates\n";
      members_and_fix(out, g.device, g.members, "give each its own certificate with a fresh random serial", g.fix);
      if (g.device && !g.device->install_hint.empty()) out << "   then install it: " << printable(g.device->install_hint) << "\n";
    }
  }
  if (!r.shared_keys.empty()) {
    out << "\nShared keys: each set of endpoints below presents one public key on different hosts. Whoever has the\n"
        << "private key of one (from the device or its firmware image) can pose as each of them, whatever Firefox shows.\n";
    for (std::size_t i = 0; i < r.shared_keys.size(); ++i) {
      const auto& g = r.shared_keys[i];
      out << "\n" << i + 1 << ". " << shared_words(g) << " (" << printable(g.key) << "), key sha256 " << g.spki_sha256 << "\n";
      members_and_fix(out, g.device, g.members, "give each its own key (and certificate)", g.fix);
    }
  }
  if (!r.input_problems.empty()) {
    out << "\nNot used (fix these lines and run again):\n";
    for (const auto& p : r.input_problems) out << "  " << printable(p) << "\n";
  }
  out << "\n" << summary_line(r) << "\n";
}

}  // namespace certdoctor::audit
