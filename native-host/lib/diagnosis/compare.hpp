// The other one, named: Firefox refuses a site with SEC_ERROR_REUSED_ISSUER_AND_SERIAL when it already holds, in
// memory, another certificate with the same issuer and serial — typically from a twin device the user opened
// earlier, which nothing in the profile records. The extension passes the user's open https tabs (`compare`);
// their chains are fetched in parallel, bounded in count and time, and every certificate they serve with the same
// (issuer DER, serial DER) as one of ours but other DER is named.
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/finding.hpp"
#include "diagnosis/model.hpp"
#include "fetch/net.hpp"

namespace certdoctor {

// At most this many sites are fetched for one diagnosis; the rest are listed as not checked.
inline constexpr std::size_t kMaxCompareSites = 20;
// A request listing more than this is refused outright (it is not a list of open tabs).
inline constexpr std::size_t kMaxCompareEntries = 500;

struct CompareOptions {
  std::vector<ResolveOverride> resolve;
  std::optional<ProxySpec> proxy;
  // Per site: the other sites are only a hint, so each gets less time than the diagnosed site.
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds handshake_timeout{5000};
  // For all of them together; a site still being fetched then is listed as not checked.
  std::chrono::milliseconds deadline{12000};
  std::size_t parallel = 6;  // fetches in flight at once (fetch/fetch_many)
};

// Each URL must be an https URL Firefox could load (RequestError "invalid_field" naming the entry otherwise).
void validate_compare(const std::vector<std::string>& urls);

struct CompareReport {
  std::vector<ComparedSite> compared;                  // the diagnosis' `compared`: one entry per URL given
  std::vector<Finding> findings;                       // open_site_conflict per match, compare_incomplete
  bool any_conflict = false;
};

// The fetches of the other sites, started before the diagnosed site's own chain has arrived, so that both overlap.
class CompareFetch {
 public:
  // `site` is the diagnosed URL (a compared URL for the same host and port is skipped); `urls` are validated.
  CompareFetch(const std::string& site, const std::vector<std::string>& urls, const CompareOptions& options);
  // Waits (until the deadline at most) and matches: `chain_der`/`chain` are the diagnosed site's served chain and
  // its description (same order).
  CompareReport finish(const std::vector<std::string>& chain_der, const std::vector<CertificateDescription>& chain);

  struct State;

 private:
  std::string site_;
  std::vector<std::string> urls_;
  std::vector<std::optional<std::size_t>> fetch_of_;  // URL -> index of its fetch
  std::vector<std::string> skipped_as_;               // URL -> "same_site" or "limit" when not fetched
  std::vector<std::string> authorities_;              // fetch -> host:port
  std::shared_ptr<State> state_;
};

// Both steps in one.
CompareReport compare_with_sites(const std::vector<std::string>& chain_der,
                                 const std::vector<CertificateDescription>& chain,
                                 const std::string& site, const std::vector<std::string>& urls,
                                 const CompareOptions& options);

// Puts what the comparison found into a diagnosis' findings: each site named into `leading` (the conflicts, told
// first), in place of the unnamed live_connection_conflict; what could not be checked into `trailing`.
void add_compare_findings(std::vector<Finding>& leading, std::vector<Finding>& trailing, const CompareReport& report);

}  // namespace certdoctor
