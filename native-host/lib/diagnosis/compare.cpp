#include "diagnosis/compare.hpp"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "base/request_error.hpp"
#include "certificate/cert_info.hpp"
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

// The fetches, in parallel and bounded: `parallel` workers take the next site in turn; whatever has not finished
// at the deadline stays empty. The workers share their state with the CompareFetch, so one still stuck when the
// diagnosis is done (a name lookup has no timeout of its own) finishes into memory nobody reads.
struct CompareFetch::State {
  std::mutex m;
  std::condition_variable done;
  std::vector<FetchOptions> sites;
  std::vector<std::optional<FetchResult>> results;
  std::atomic<std::size_t> next{0};
  std::size_t finished = 0;
};

namespace {

std::string names_of(const CertificateDescription& described) {
  const std::string names = described.names();
  return names.empty() ? described.subject : names;
}

}  // namespace

CompareFetch::CompareFetch(const std::string& site, const std::vector<std::string>& urls, const CompareOptions& options)
    : site_(site), urls_(urls), fetch_of_(urls.size()), skipped_as_(urls.size()),
      deadline_(std::chrono::steady_clock::now() + options.deadline), state_(std::make_shared<State>()) {
  std::string site_authority;
  try {
    site_authority = parse_target(site).authority();
  } catch (const RequestError&) {
  }
  // One fetch per host and port, the diagnosed site itself excepted, at most kMaxCompareSites.
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
    state_->sites.push_back(std::move(fo));
  }
  state_->results.resize(state_->sites.size());
  const std::size_t workers = std::min(std::max<std::size_t>(options.parallel, 1), state_->sites.size());
  for (std::size_t w = 0; w < workers; ++w) {
    std::thread([state = state_] {
      for (std::size_t i; (i = state->next++) < state->sites.size();) {
        FetchResult r = fetch_chain(state->sites[i]);
        std::lock_guard<std::mutex> lock(state->m);
        state->results[i] = std::move(r);
        ++state->finished;
        state->done.notify_all();
      }
    }).detach();
  }
}

CompareReport CompareFetch::finish(const std::vector<std::string>& chain_der,
                                   const std::vector<CertificateDescription>& chain) {
  CompareReport report;
  std::vector<std::optional<FetchResult>> fetched;
  {
    std::unique_lock<std::mutex> lock(state_->m);
    state_->done.wait_until(lock, deadline_, [&] { return state_->finished == state_->sites.size(); });
    state_->next = state_->sites.size();  // nothing not yet started starts now
    fetched = state_->results;
  }
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
    const std::optional<FetchResult>& got = fetched[s];
    if (!got || got->chain_der.empty()) {
      entry.status = got ? "unreachable" : "not_checked";
      entry.reason = !got ? "deadline" : got->failure ? got->failure->code : "no_certificate";
      unchecked.push_back(urls[i]);
      report.compared.push_back(entry);
      continue;
    }
    entry.status = "no_conflict";
    const CertificateDescription other_leaf = describe_certificate(got->chain_der[0]);
    entry.subject = other_leaf.subject;
    for (std::size_t mine = 0; mine < chain_der.size(); ++mine) {
      if (!ours[mine]) continue;
      for (std::size_t theirs = 0; theirs < got->chain_der.size(); ++theirs) {
        const std::string& other = got->chain_der[theirs];
        if (other == chain_der[mine]) continue;  // the very same certificate is no conflict
        auto keys = cert_keys(other);
        if (!keys || keys->issuer_der != ours[mine]->issuer_der || keys->serial_der != ours[mine]->serial_der) continue;
        const CertificateDescription described = theirs == 0 ? other_leaf : describe_certificate(other);
        entry.matches.push_back({static_cast<int>(mine), static_cast<int>(theirs), described.sha256, described.subject});
        if (!reported_sites.insert({s, mine}).second) continue;
        const CertificateDescription& served = chain.at(mine);
        Finding f("open_site_conflict", {{"other_url", urls[i]},
                                         {"other_host", authorities[s]},
                                         {"other_subject", described.subject},
                                         {"other_names", names_of(described)},
                                         {"other_sha256", described.sha256},
                                         {"served_sha256", served.sha256},
                                         {"subject", served.subject},
                                         {"issuer", served.issuer},
                                         {"serial", served.serial},
                                         {"url", site}});
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
    report.findings.push_back(Finding("compare_incomplete", {{"unchecked", static_cast<int>(unchecked.size())},
                                                             {"urls", list}}));
  }
  return report;
}

CompareReport compare_with_sites(const std::vector<std::string>& chain_der,
                                 const std::vector<CertificateDescription>& chain, const std::string& site,
                                 const std::vector<std::string>& urls, const CompareOptions& options) {
  return CompareFetch(site, urls, options).finish(chain_der, chain);
}

void add_compare_findings(std::vector<Finding>& leading, std::vector<Finding>& trailing, const CompareReport& report) {
  std::vector<Finding> named;
  for (const auto& f : report.findings) (f.code == "open_site_conflict" ? named : trailing).push_back(f);
  if (!named.empty()) {
    std::erase_if(leading, [](const Finding& f) { return f.code == "live_connection_conflict"; });
  }
  leading.insert(leading.begin(), named.begin(), named.end());
}

}  // namespace certdoctor
