// The orchestration of one diagnosis: reach the site while the profile's database and the built-in roots open,
// compare the served chain with the profile, judge it as Firefox would, apply Firefox's error-page policy, and
// tell the findings in their order. Each step fills the typed Diagnosis; nothing here writes JSON or words.
#include "diagnosis/diagnose.hpp"

#include <algorithm>
#include <ctime>
#include <future>

#include "base/fault.hpp"
#include "base/request_error.hpp"
#include "certificate/cert_info.hpp"
#include "diagnosis/compare.hpp"
#include "diagnosis/conflicts.hpp"
#include "diagnosis/stored_culprits.hpp"
#include "diagnosis/diagnosis_json.hpp"
#include "diagnosis/verdict_explain.hpp"
#include "fetch/tls_fetch.hpp"
#include "firefox/firefox_trust.hpp"
#include "firefox/held_identity.hpp"
#include "firefox/shown_error.hpp"
#include "firefox/verdict.hpp"
#include "profile/nss_store.hpp"
#include "profile/prefs.hpp"

namespace certdoctor {

using json = nlohmann::json;

void check_error_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 80 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
              return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            });
  if (!ok) throw RequestError("invalid_field", "reported_error must be an error name such as SEC_ERROR_UNKNOWN_ISSUER");
}

namespace {

// The order in which findings are told, by what they are about rather than by when they were found. The first one
// leads: the extension shows it as the answer and decides nothing of its own about which finding matters most. An
// exception that lets the page load; a site that could not be reached or a handshake that failed (nothing else can
// be judged then); a profile that could not be used (the stored certificates were not checked, so what follows may
// be wrong); what stored certificates break (the most important thing to say); the cause of the error Firefox shows
// and then the error itself; then the rest.
struct FindingsInOrder {
  std::vector<Finding> exception_applies;
  std::vector<Finding> reaching;       // the site could not be reached, or the handshake failed
  std::vector<Finding> profile;        // no usable profile
  std::vector<Finding> conflicts;
  std::vector<Finding> verdict;        // the missing issuer the error comes from, then the error
  std::vector<Finding> builtin_roots;
  std::vector<Finding> store;          // the profile's database failed
  std::vector<Finding> stale_exceptions;
  std::vector<Finding> policy;         // HSTS, or an error that cannot be bypassed
  std::vector<Finding> reported;       // the code Firefox reported, when it differs
  std::vector<Finding> prediction;     // the prediction differs from the reported code
  std::vector<Finding> unchecked;      // other open sites that could not be compared

  std::vector<Finding> told() && {
    std::vector<Finding> out;
    for (auto* part : {&exception_applies, &reaching, &profile, &conflicts, &verdict, &builtin_roots, &store,
                       &stale_exceptions, &policy, &reported, &prediction, &unchecked}) {
      std::move(part->begin(), part->end(), std::back_inserter(out));
    }
    return out;
  }
};

// The profile's database and the built-in roots, opened in two threads of their own that overlap the handshake
// (pkcs11_module.cpp serialises what must be serialised).
struct Opened {
  std::unique_ptr<NssStore> store;
  std::optional<StoreError> error;
};

template <typename Open>
std::future<Opened> open_in_background(Open open) {
  return std::async(std::launch::async, [open] {
    Opened o;
    try {
      o.store = open();
    } catch (const StoreError& e) {
      o.error = e;
    }
    return o;
  });
}

FetchOptions fetch_options(const DiagnoseRequest& r) {
  FetchOptions fo;
  fo.target = parse_target(r.url);
  for (const auto& spec : r.resolve) fo.resolve.push_back(parse_resolve(spec));
  if (r.proxy && !r.proxy->empty()) fo.proxy = parse_proxy(*r.proxy);
  fo.connect_timeout = r.connect_timeout;
  fo.handshake_timeout = r.handshake_timeout;
  return fo;
}

Finding store_failure(const StoreError& e, const std::string& path, const std::string& during = "") {
  return Finding(e.condition(), {{"path", path}, {"detail", during + e.what()}});
}

// A chain that stops short: the leaf is not self-issued and nothing served is its issuer. With an unknown issuer,
// that issuer is then an intermediate the server should send, or a private root Firefox should trust.
std::optional<Finding> missing_issuer(const Diagnosis& d) {
  if (d.chain.empty()) return std::nullopt;
  const CertificateDescription& leaf = d.chain[0];
  const auto names = cert_keys(d.chain_der[0]);
  if (leaf.issuer.empty() || !names || names->self_issued()) return std::nullopt;
  for (const auto& der : d.chain_der) {
    if (auto served = cert_keys(der); served && served->subject_der == names->issuer_der) return std::nullopt;
  }
  Finding f(Condition::issuer_not_sent, {{"issuer", leaf.issuer}, {"sent", static_cast<int>(d.chain.size())}});
  // Where the certificate says its issuer can be fetched (the last caIssuers address), worded by the texts.
  if (leaf.authority_info_access && !leaf.authority_info_access->ca_issuers.empty()) {
    f.values["aia_url"] = leaf.authority_info_access->ca_issuers.back();
  }
  f.cert = 0;
  f.field = "issuer";
  return f;
}

// Whether a store holds a certificate named as the issuer of `der` (then the issuer is not what is missing).
bool held_by(const std::string& der, std::initializer_list<NssStore*> stores) {
  auto keys = cert_keys(der);
  if (!keys) return false;
  for (NssStore* s : stores) {
    try {
      if (s && !s->by_subject(keys->issuer_der).empty()) return true;
    } catch (const StoreError&) {
      // an unreadable store holds nothing we can name
    }
  }
  return false;
}

// One diagnosis in the making: the request, what was fetched and opened, and the findings so far.
class Diagnosing {
 public:
  explicit Diagnosing(const DiagnoseRequest& r) : r_(r), fo_(fetch_options(r)) {
    d_.url = r.url;
    d_.host = fo_.target.host;
    d_.port = fo_.target.port;
    d_.reported_error = r.reported_error;
  }

  Diagnosis run() && {
    profile_ = choose_profile(r_.profile);
    if (profile_.dir) fo_.firefox_prefs = read_firefox_prefs(*profile_.dir);  // they change Firefox's handshake
    auto opening_profile = open_in_background([dir = profile_.dir]() -> std::unique_ptr<NssStore> {
      return dir ? NssStore::open(*dir, NssStore::Access::read) : nullptr;
    });
    auto opening_builtins = open_in_background([]() -> std::unique_ptr<NssStore> {
      auto library = builtin_roots_library();
      return library ? NssStore::open_module(*library, "certdoctor built-in roots") : nullptr;
    });
    // The other open sites are fetched while this one is (compare.hpp).
    if (!r_.compare.empty()) comparing_.emplace(r_.url, r_.compare, CompareOptions{fo_.resolve, fo_.proxy});
    reach_site();
    profile_store_ = opening_profile.get();
    builtins_ = opening_builtins.get();
    if (builtins_.error) findings_.builtin_roots.push_back(Finding(Condition::builtin_roots_unavailable, {{"detail", builtins_.error->what()}}));
    compare_with_profile();
    judge();
    // The other open sites before the verdict is applied: a twin held in memory is part of what Firefox shows.
    compare_with_other_sites();
    if (verdict_) apply(*verdict_);
    compare_with_report();
    if (profile_.problem) {
      profile_.problem->values["url"] = r_.url;
      findings_.profile.push_back(*profile_.problem);
    }
    d_.findings = std::move(findings_).told();
    return std::move(d_);
  }

 private:
  void reach_site() {
    fetched_ = fetch_chain(fo_);
    d_.connection = fetched_.session;
    d_.chain_der = fetched_.chain_der;
    for (const auto& der : fetched_.chain_der) d_.chain.push_back(describe_certificate(der));
    // A factory certificate the device table knows: what the device is, and how it gets a certificate of its own.
    if (!fetched_.chain_der.empty()) d_.device = recognise_device(fetched_.chain_der[0]);
    if (fetched_.failure) {
      // A handshake alert without a row of its own is told by the general one, under Firefox's name for it.
      if (!find_error_row(fetched_.failure->code)) fetched_.failure->code = code_of(Condition::handshake_alert);
      add_site_values(*fetched_.failure, r_.url, fo_.target);
      findings_.reaching.push_back(*fetched_.failure);
    }
  }

  std::string profile_path() const { return profile_.dir ? profile_.dir->string() : std::string(); }

  // Stored certificates that break the site.
  void compare_with_profile() {
    if (!profile_.dir) return;
    d_.profile = ProfileUsed{profile_path(), profile_.source, profile_.reason, std::nullopt};
    if (profile_store_.store) {
      const ProfileNss& nss = profile_store_.store->nss();
      d_.profile->nss = NssUsed{nss.libraries.system() ? "system" : "firefox", nss.libraries.install_dir.string(),
                                std::string(name_of(nss.source)), nss.version, profile_store_.store->writes_pkcs11_trust(),
                                nss.problem};
    }
    try {
      if (profile_store_.error) throw *profile_store_.error;
      ConflictReport report = find_conflicts(*profile_store_.store, d_.chain_der, d_.chain, profile_path(),
                                             r_.reported_error.value_or(""));
      d_.conflicts = std::move(report.conflicts);
      findings_.conflicts = std::move(report.findings);
    } catch (const StoreError& e) {
      findings_.store.push_back(store_failure(e, profile_path()));
    }
  }

  // Every stored certificate behind the verdict, with what removing it changes (stored_culprits.hpp).
  void name_stored_culprits(pkix::Result current, std::int64_t now) {
    if (!d_.conflicts || !profile_store_.store) return;
    const CulpritInput in{profile_store_.store.get(), builtins_.store.get(), &fetched_.chain_der, fo_.target.host,
                          r_.url, profile_path(), now, current};
    ConflictReport report{std::move(*d_.conflicts), std::move(findings_.conflicts)};
    add_removal_effects(in, report);
    find_stored_culprits(in, report);
    d_.conflicts = std::move(report.conflicts);
    findings_.conflicts = std::move(report.findings);
  }

  // What Firefox shows: from the failure of the handshake, or from the chain as served, this profile and Firefox's
  // error-page policy.
  void judge() {
    if (fetched_.failure) {
      // Firefox's own handshake failed: the name it met is the one Firefox shows (fetch/firefox_hello).
      if (fetched_.session && !fetched_.session->firefox_outcome.empty()) {
        d_.judged = true;
        d_.firefox_error = fetched_.session->firefox_outcome;
      } else if (const ErrorRow* row = find_error_row(fetched_.failure->code); row && row->nss_code) {
        d_.judged = true;
        d_.firefox_error = fetched_.failure->code;
      }
      return;
    }
    if (fetched_.chain_der.empty()) return;
    VerdictInput vin{fetched_.chain_der, fo_.target.host, profile_store_.store.get(), builtins_.store.get(),
                     static_cast<std::int64_t>(std::time(nullptr)), {}};
    std::optional<Verdict>& judged = verdict_;
    const std::string where = profile_.dir ? profile_path() : "the built-in roots";
    try {
      judged = firefox_verdict(vin);
      if (judged->store_failure) {
        // A database that failed while the path was built (locked by a writer, gone from under us): no verdict,
        // but the finding says why, and the chain, the connection and the conflicts found so far still arrive.
        findings_.store.push_back(store_failure(*judged->store_failure, where, "while judging the chain: "));
        judged.reset();
        return;
      }
      name_stored_culprits(judged->result, vin.now);
    } catch (const StoreError& e) {
      findings_.store.push_back(store_failure(e, where, "while judging the chain: "));
    }
  }

  void apply(const Verdict& v) {
    for (std::size_t i = 0; i < v.path.size(); ++i) d_.path.push_back({describe_certificate(v.path[i]), v.path_sources[i]});
    d_.root_is_builtin = v.root_is_builtin;
    const SiteAddress site{fo_.target.host, fo_.target.port, fo_.target.authority()};
    const ShownError shown = with_held_identity(
        shown_error(v, fetched_.chain_der[0], site, profile_.dir, static_cast<std::int64_t>(std::time(nullptr))),
        r_.reported_error, held_identity_explains_);
    d_.exceptions = shown.exceptions;
    d_.hsts = shown.hsts;
    for (const auto& e : shown.exceptions.value_or(std::vector<ExceptionMatch>{})) {
      if (e.matches) continue;
      findings_.stale_exceptions.push_back(Finding(
          Condition::stale_exception, {{"host_port", e.host_port},
                              {"fingerprint", e.fingerprint},
                              {"served_fingerprint", shown.served_fingerprint}}));
    }
    d_.judged = true;
    if (!shown.error) {
      if (shown.exception_applies) {
        findings_.exception_applies.push_back(Finding(
            Condition::exception_applies, {{"error", std::string(pkix::firefox_code(v.result))}, {"host_port", site.host_port}}));
      }
      return;
    }
    const std::string error(pkix::firefox_code(*shown.error));
    d_.firefox_error = error;
    d_.overridable = shown.overridable;
    const ExplainContext ctx{d_.chain, r_.url, fo_.target.host, site.host_port};
    // The error shown: the chain's own, or the reused serial of an identity held in memory (then explained as
    // that error, unless a named or unnamed twin already leads).
    Verdict shown_verdict = v;
    shown_verdict.result = *shown.error;
    const Finding f = explain_verdict(shown_verdict, fetched_.chain_der, ctx);
    const bool explained_by_conflicts = *shown.error == pkix::Result::ReusedIssuerAndSerial &&
                                        ((d_.conflicts && !d_.conflicts->empty()) || !findings_.conflicts.empty());
    // An unknown issuer that the server did not send either (unless a stored certificate already explains it):
    // the cause, told before the error.
    if (v.result == pkix::Result::UnknownIssuer && findings_.conflicts.empty() &&
        !held_by(fetched_.chain_der[0], {profile_store_.store.get(), builtins_.store.get()})) {
      if (auto missing = missing_issuer(d_)) findings_.verdict.push_back(*missing);
    }
    if (!explained_by_conflicts) findings_.verdict.push_back(f);
    if (shown.hsts) {
      findings_.policy.push_back(Finding(shown.hsts->source == "preload" ? Condition::hsts_preloaded : Condition::hsts_host,
                                         {{"error", error}, {"host", fo_.target.host}, {"domain", shown.hsts->domain},
                                          {"include_subdomains", shown.hsts->include_subdomains},
                                          {"expires", shown.hsts->expires()}}));
    } else if (!shown.overridable) {
      findings_.policy.push_back(Finding(Condition::not_overridable, {{"error", error}}));
    }
    // When Firefox reported another code, that code is explained too, with the same certificate's facts.
    if (r_.reported_error && *r_.reported_error != error && find_error_row(*r_.reported_error)) {
      SessionFacts facts;
      if (fetched_.session) {
        const TlsSession& t = *fetched_.session;
        facts = {t.version, t.cipher, t.firefox_offer, t.firefox_prefs};
      }
      findings_.reported.push_back(explain_reported(f, *r_.reported_error, facts));
    }
  }

  void compare_with_report() {
    if (!r_.reported_error || !d_.judged) return;
    // An identity Firefox holds in memory is invisible from here by nature: that finding already says why Firefox
    // refused a chain certdoctor judges loadable, and a warning of a proxy or another route would contradict it.
    for (const auto& f : findings_.conflicts) {
      if (f.code == code_of(Condition::live_connection_conflict)) return;
    }
    if (!d_.firefox_error || *d_.firefox_error != *r_.reported_error) {
      // No `predicted` when certdoctor predicts that the page loads (the texts say so in words).
      Finding f(Condition::prediction_differs, {{"reported", *r_.reported_error}});
      if (d_.firefox_error) f.values["predicted"] = *d_.firefox_error;
      findings_.prediction.push_back(std::move(f));
    }
  }

  // Which open site holds our issuer and serial in Firefox's memory; the remedy's command opens this page (and, for
  // a device sharing its identity, re-issues its certificate).
  void compare_with_other_sites() {
    for (auto& f : findings_.conflicts) {
      if (f.code == code_of(Condition::live_connection_conflict) || f.code == code_of(Condition::shared_device_serial)) {
        f.values["url"] = r_.url;
      }
    }
    const bool reused = r_.reported_error == pkix::firefox_code(pkix::Result::ReusedIssuerAndSerial);
    if (!comparing_) {
      // Without other sites to compare, nothing stored explaining the reported reused serial leaves one cause: an
      // identity held in memory (the unnamed live_connection_conflict).
      held_identity_explains_ = reused && std::any_of(findings_.conflicts.begin(), findings_.conflicts.end(), [](const Finding& f) {
                                  return f.code == code_of(Condition::live_connection_conflict);
                                });
      return;
    }
    // Each twin's own chain judged with the same profile and built-in roots: does Firefox accept it through a trust
    // anchor (firefox/held_identity.hpp)?
    const TwinJudge judge_twin = [this](const std::vector<std::string>& chain, const std::string& host) -> std::optional<TwinPrediction> {
      try {
        const Verdict twin = firefox_verdict({chain, host, profile_store_.store.get(), builtins_.store.get(),
                                              static_cast<std::int64_t>(std::time(nullptr)), {}});
        if (twin.store_failure) return std::nullopt;
        return predict_twin(twin);
      } catch (const StoreError&) {
        return std::nullopt;
      }
    };
    CompareReport report = comparing_->finish(d_.chain_der, d_.chain, judge_twin);
    d_.compared = std::move(report.compared);
    held_identity_explains_ = reused && report.any_conflict;
    add_compare_findings(findings_.conflicts, findings_.unchecked, report);
  }

  const DiagnoseRequest& r_;
  std::optional<CompareFetch> comparing_;
  std::optional<Verdict> verdict_;        // the served chain judged, applied once the other sites are compared
  bool held_identity_explains_ = false;   // the reported reused serial comes from an identity held in memory
  FetchOptions fo_;
  Diagnosis d_;
  FindingsInOrder findings_;
  ProfileChoice profile_;
  FetchResult fetched_;
  Opened profile_store_, builtins_;
};

}  // namespace

void add_site_values(Finding& f, const std::string& url, const Target& target) {
  f.values.update(site_values(url, target.host, target.authority()));
  f.values["port"] = target.port;
}

void validate_request(const DiagnoseRequest& r) {
  parse_target(r.url);
  for (const auto& spec : r.resolve) parse_resolve(spec);
  if (r.proxy && !r.proxy->empty()) parse_proxy(*r.proxy);
  if (r.reported_error) check_error_name(*r.reported_error);
  validate_compare(r.compare);
}

Diagnosis diagnose(const DiagnoseRequest& r) {
  validate_request(r);
  return Diagnosing(r).run();
}

namespace {

DiagnoseRequest after_check_request(const AfterCheck& check, const std::filesystem::path& profile) {
  DiagnoseRequest r;
  r.url = check.url;
  r.resolve = check.resolve;
  r.proxy = check.proxy;
  r.profile.explicit_dir = profile;
  return r;
}

}  // namespace

void validate_after_check(const AfterCheck& check) { validate_request(after_check_request(check, {})); }

json verdict_after(const AfterCheck& check, const std::filesystem::path& profile) {
  json out = json::object();
  try {
    if (failure_injected("after_check")) throw std::runtime_error("the check failed (injected fault)");
    const Diagnosis d = diagnose(after_check_request(check, profile));
    // The leading finding's title (the table's words); no words of its own here: the edge says "the page loads".
    auto first_title = [&]() -> json { return d.findings.empty() ? json("") : render_finding(d.findings[0])["title"]; };
    if (!d.judged) {
      out["error"] = first_title();
      json findings = json::array();
      for (const auto& f : d.findings) findings.push_back(render_finding(f));
      out["findings"] = findings;
      return out;
    }
    out["firefox_error"] = d.firefox_error ? json(*d.firefox_error) : json(nullptr);
    if (d.overridable) out["overridable"] = *d.overridable;
    if (d.firefox_error) out["title"] = first_title();
  } catch (const std::exception& e) {
    out = json::object();
    Finding f(Condition::after_check_failed, {{"url", check.url}, {"profile", profile.string()}, {"detail", e.what()}});
    json rendered = render_finding(f);
    out["error"] = rendered["title"];
    out["findings"] = json::array({rendered});
  }
  return out;
}

}  // namespace certdoctor
