#include "diagnosis/compare.hpp"

#include <memory>
#include <future>
#include <span>
#include <set>

#include "base/request_error.hpp"
#include "certificate/cert_info.hpp"
#include "fetch/fetch_many.hpp"
#include "fetch/tls_fetch.hpp"
#include "fetch/url.hpp"

namespace certdoctor {

using json = nlohmann::json;

void validate_compare(const std::vector<std::string>& urls) {
  if (urls.size() > kMaxCompareEntries) {
    throw RequestError("invalid_field", "'compare' lists " + std::to_string(urls.size()) + " sites; at most " +
                                            std::to_string(kMaxCompareEntries) + " are accepted");
  }
  for (std::size_t i = 0; i < urls.size(); ++i) {
    try {
      if (urls[i].rfind("https://", 0) != 0) throw RequestError("invalid_url", "not an https URL");
      parse_target(urls[i]);
    } catch (const RequestError& e) {
      throw RequestError("invalid_field", "'compare' entry " + std::to_string(i) + " is not a usable https URL: " +
                                              e.what());
    }
  }
}

// The fetches run on a thread of their own (fetch_many bounds how many at once and the overall time), so that they
// overlap the diagnosed site's own fetch.
struct CompareFetch::State {
  std::future<std::vector<FetchResult>> results;
};

namespace {

std::string names_of(const CertificateDescription& described) {
  const std::string names = described.names();
  return names.empty() ? described.subject : names;
}

}  // namespace

CompareFetch::CompareFetch(const std::string& site, const std::vector<std::string>& urls, const CompareOptions& options)
    : site_(site), urls_(urls), fetch_of_(urls.size()), skipped_as_(urls.size()),
      state_(std::make_shared<State>()) {
  std::string site_authority;
  try {
    site_authority = parse_target(site).authority();
  } catch (const RequestError&) {
  }
  // One fetch per host and port, the diagnosed site itself excepted, at most kMaxCompareSites.
  std::vector<FetchOptions> sites;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    Target target = parse_target(urls[i]);
    const std::string authority = target.authority();
    if (authority == site_authority) {
      skipped_as_[i] = "same_site";
      continue;
    }
    for (std::size_t k = 0; k < authorities_.size() && !fetch_of_[i]; ++k) {
      if (authorities_[k] == authority) fetch_of_[i] = k;
    }
    if (fetch_of_[i]) continue;
    if (authorities_.size() >= kMaxCompareSites) {
      skipped_as_[i] = "limit";
      continue;
    }
    FetchOptions fo;
    fo.target = target;
    fo.resolve = options.resolve;
    fo.proxy = options.proxy;
    fo.connect_timeout = options.connect_timeout;
    fo.handshake_timeout = options.handshake_timeout;
    fetch_of_[i] = authorities_.size();
    authorities_.push_back(authority);
    sites.push_back(std::move(fo));
  }
  FetchManyOptions many;
  many.max_parallel = std::max<std::size_t>(options.parallel, 1);
  many.overall_deadline = options.deadline;
  state_->results = std::async(std::launch::async, [sites = std::move(sites), many] {
    return fetch_many(std::span<const FetchOptions>(sites), many);
  });
}

CompareReport CompareFetch::finish(const std::vector<std::string>& chain_der,
                                   const std::vector<CertificateDescription>& chain, const TwinJudge& judge) {
  CompareReport report;
  const std::vector<FetchResult> fetched = state_->results.get();
  const auto& urls = urls_;
  const auto& fetch_of = fetch_of_;
  const auto& skipped_as = skipped_as_;
  const auto& authorities = authorities_;
  const std::string& site = site_;

  std::vector<std::optional<CertKeys>> ours;
  for (const auto& der : chain_der) ours.push_back(cert_keys(der));

  std::vector<std::string> unchecked;
  std::set<std::pair<std::size_t, std::size_t>> reported_sites;  // one finding per (site, certificate) even when several tabs show it
  for (std::size_t i = 0; i < urls.size(); ++i) {
    ComparedSite entry;
    entry.url = urls[i];
    if (!fetch_of[i]) {
      entry.status = skipped_as[i] == "same_site" ? "same_site" : "not_checked";
      if (skipped_as[i] == "limit") {
        entry.reason = "limit";
        unchecked.push_back(urls[i]);
      }
      report.compared.push_back(entry);
      continue;
    }
    const std::size_t s = *fetch_of[i];
    const FetchResult* got = &fetched[s];
    // fetch_many marks a site whose turn came after the overall deadline (values.deadline).
    const bool past_deadline = got->failure && got->failure->values.value("deadline", false);
    if (past_deadline || got->chain_der.empty()) {
      entry.status = past_deadline ? "not_checked" : "unreachable";
      entry.reason = past_deadline ? "deadline" : got->failure ? got->failure->code : std::string(code_of(Condition::no_certificate));
      unchecked.push_back(urls[i]);
      report.compared.push_back(entry);
      continue;
    }
    entry.status = "no_conflict";
    std::optional<TwinPrediction> prediction;
    const CertificateDescription other_leaf = describe_certificate(got->chain_der[0]);
    entry.subject = other_leaf.subject;
    for (std::size_t mine = 0; mine < chain_der.size(); ++mine) {
      if (!ours[mine]) continue;
      for (std::size_t theirs = 0; theirs < got->chain_der.size(); ++theirs) {
        const std::string& other = got->chain_der[theirs];
        if (other == chain_der[mine]) continue;  // the very same certificate is no conflict
        auto keys = cert_keys(other);
        if (!keys || !keys->same_identity(*ours[mine])) continue;
        const CertificateDescription described = theirs == 0 ? other_leaf : describe_certificate(other);
        entry.matches.push_back({static_cast<int>(mine), static_cast<int>(theirs), described.sha256, described.subject});
        if (!prediction) {
          // Judged once per site: does Firefox accept the twin through a trust anchor (then it refuses this site)?
          std::optional<TwinPrediction> judged;
          if (judge) judged = judge(got->chain_der, parse_target(urls[i]).host);
          prediction = judged.value_or(TwinPrediction{true, {}});
          entry.prediction = prediction->refused ? "refused" : "may_be_refused";
          if (!prediction->refused) entry.measured = prediction->measured;
        }
        if (!reported_sites.insert({s, mine}).second) continue;
        const CertificateDescription& served = chain.at(mine);
        Finding f(prediction->refused ? Condition::open_site_conflict : Condition::shared_identity,
                  {{"other_url", urls[i]},
                                         {"other_host", authorities[s]},
                                         {"other_subject", described.subject},
                                         {"other_names", names_of(described)},
                                         {"other_sha256", described.sha256},
                                         {"served_sha256", served.sha256},
                                         {"subject", served.subject},
                                         {"issuer", served.issuer},
                                         {"serial", served.serial},
                                         {"url", site}});
        if (!prediction->refused) {
          f.values["refused"] = prediction->measured.refused;
          f.values["visits"] = prediction->measured.visits;
        }
        f.cert = static_cast<int>(mine);
        f.field = "serial";
        report.findings.push_back(f);
        report.any_conflict = true;
      }
    }
    if (!entry.matches.empty()) entry.status = "conflict";
    report.compared.push_back(entry);
  }
  if (!unchecked.empty()) {
    std::string list;
    for (const auto& u : unchecked) list += (list.empty() ? "" : ", ") + u;
    report.findings.push_back(Finding(Condition::compare_incomplete, {{"unchecked", static_cast<int>(unchecked.size())},
                                                             {"urls", list}}));
  }
  return report;
}

CompareReport compare_with_sites(const std::vector<std::string>& chain_der,
                                 const std::vector<CertificateDescription>& chain, const std::string& site,
                                 const std::vector<std::string>& urls, const CompareOptions& options,
                                 const TwinJudge& judge) {
  return CompareFetch(site, urls, options).finish(chain_der, chain, judge);
}

void add_compare_findings(std::vector<Finding>& leading, std::vector<Finding>& trailing, const CompareReport& report) {
  std::vector<Finding> named;
  for (const auto& f : report.findings) (f.code == code_of(Condition::open_site_conflict) ? named : trailing).push_back(f);
  if (!named.empty()) {
    std::erase_if(leading, [](const Finding& f) { return f.code == code_of(Condition::live_connection_conflict); });
  }
  leading.insert(leading.begin(), named.begin(), named.end());
}

}  // namespace certdoctor
