// The other one, named: Firefox refuses a site with SEC_ERROR_REUSED_ISSUER_AND_SERIAL when it already holds, in
// memory, another certificate with the same issuer and serial — typically from a twin device the user opened
// earlier, which nothing in the profile records. The extension passes the user's open https tabs (`compare`);
// their chains are fetched in parallel, bounded in count and time, and every certificate they serve with the same
// (issuer DER, serial DER) as one of ours but other DER is named.
#pragma once
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/finding.hpp"
#include "diagnosis/model.hpp"
#include "fetch/net.hpp"
#include "firefox/held_identity.hpp"

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
  std::vector<Finding> findings;                       // open_site_conflict or shared_identity per match,
                                                       // compare_incomplete
  bool any_conflict = false;                           // a twin was found (either kind)
};

// What Firefox does with the diagnosed site while a twin is held: the twin's served chain and host judged with the
// profile (firefox/held_identity.hpp's predict_twin over its verdict); nullopt when it could not be judged.
using TwinJudge = std::function<std::optional<TwinPrediction>(const std::vector<std::string>& twin_chain_der,
                                                              const std::string& twin_host)>;

// The fetches of the other sites, started before the diagnosed site's own chain has arrived, so that both overlap.
class CompareFetch {
 public:
  // `site` is the diagnosed URL (a compared URL for the same host and port is skipped); `urls` are validated.
  CompareFetch(const std::string& site, const std::vector<std::string>& urls, const CompareOptions& options);
  // Waits (until the deadline at most) and matches: `chain_der`/`chain` are the diagnosed site's served chain and
  // its description (same order). A twin that `judge` says Firefox accepts through a trust anchor is an
  // open_site_conflict (Firefox refuses this site); one it does not, a shared_identity note (Firefox rarely does,
  // with the measured frequency). Without a judge, or when the twin cannot be judged, every twin is a conflict.
  CompareReport finish(const std::vector<std::string>& chain_der, const std::vector<CertificateDescription>& chain,
                       const TwinJudge& judge = nullptr);

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
                                 const CompareOptions& options, const TwinJudge& judge = nullptr);

// Puts what the comparison found into a diagnosis' findings: each site named as a conflict into `leading` (the
// conflicts, told first), in place of the unnamed live_connection_conflict; the shared_identity notes and what could
// not be checked into `trailing`.
void add_compare_findings(std::vector<Finding>& leading, std::vector<Finding>& trailing, const CompareReport& report);

}  // namespace certdoctor
