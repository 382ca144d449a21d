#include "diagnosis/diagnose.hpp"

#include <algorithm>
#include <ctime>
#include <future>

#include "base/build_info.hpp"
#include "certificate/cert_info.hpp"
#include "diagnosis/compare.hpp"
#include "diagnosis/conflicts.hpp"
#include "base/fault.hpp"
#include "firefox/firefox_trust.hpp"
#include "profile/hsts.hpp"
#include "profile/nss_store.hpp"
#include "profile/overrides.hpp"
#include "base/request_error.hpp"
#include "fetch/tls_fetch.hpp"
#include "base/utc.hpp"
#include "firefox/verdict.hpp"
#include "diagnosis/verdict_explain.hpp"

namespace certdoctor {

using json = nlohmann::json;

void check_error_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 80 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
              return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            });
  if (!ok) throw RequestError("invalid_field", "reported_error must be an error name such as SEC_ERROR_UNKNOWN_ISSUER");
}

namespace {

json session_json(const TlsSession& s) {
  json c = {{"address", s.address}, {"port", s.port}, {"handshake_complete", s.handshake_complete},
            {"connect_ms", s.connect_ms}, {"handshake_ms", s.handshake_ms}};
  if (!s.proxy.empty()) c["proxy"] = s.proxy;
  if (!s.sni.empty()) c["sni"] = s.sni;
  if (!s.version.empty()) c["tls_version"] = s.version;
  if (!s.cipher.empty()) c["cipher"] = s.cipher;
  if (!s.group.empty()) c["group"] = s.group;
  return c;
}

// A chain that stops short: the leaf is not self-issued and nothing served is its issuer. With an unknown issuer,
// that issuer is then an intermediate the server should send, or a private root Firefox should trust.
std::optional<Finding> missing_issuer(const json& chain) {
  if (chain.empty()) return std::nullopt;
  const json& leaf = chain[0];
  const std::string issuer = leaf.value("issuer", "");
  if (issuer.empty() || issuer == leaf.value("subject", "")) return std::nullopt;
  for (const auto& c : chain) {
    if (c.value("subject", "") == issuer) return std::nullopt;
  }
  std::string where;
  if (leaf.contains("authority_info_access")) {
    for (const auto& url : leaf["authority_info_access"].value("ca_issuers", json::array())) {
      if (url.is_string()) where = " Its issuer publishes it at " + url.get<std::string>() + ".";
    }
  }
  Finding f("issuer_not_sent", {{"issuer", issuer}, {"sent", static_cast<int>(chain.size())}, {"where", where}});
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

json diagnose(const DiagnoseRequest& r) {
  validate_request(r);
  FetchOptions fo;
  fo.target = parse_target(r.url);
  for (const auto& spec : r.resolve) fo.resolve.push_back(parse_resolve(spec));
  if (r.proxy && !r.proxy->empty()) fo.proxy = parse_proxy(*r.proxy);
  fo.connect_timeout = r.connect_timeout;
  fo.handshake_timeout = r.handshake_timeout;
  if (r.reported_error) check_error_name(*r.reported_error);

  json d = {{"url", r.url}, {"host", fo.target.host}, {"port", fo.target.port}};
  if (r.reported_error) d["reported_error"] = *r.reported_error;

  std::vector<Finding> findings;
  ProfileChoice profile = choose_profile(r.profile);
  // The profile's database and the built-in roots are opened in two threads of their own, overlapping the
  // handshake (pkcs11_module.cpp serialises what must be serialised).
  struct Opened {
    std::unique_ptr<NssStore> store;
    std::optional<StoreError> error;
  };
  auto open_in_background = [](auto open) {
    return std::async(std::launch::async, [open] {
      Opened o;
      try {
        o.store = open();
      } catch (const StoreError& e) {
        o.error = e;
      }
      return o;
    });
  };
  std::future<Opened> opening_profile = open_in_background([dir = profile.dir]() -> std::unique_ptr<NssStore> {
    return dir ? NssStore::open(*dir, NssStore::Access::read) : nullptr;
  });
  std::future<Opened> opening_builtins = open_in_background([]() -> std::unique_ptr<NssStore> {
    auto library = builtin_roots_library();
    return library ? NssStore::open_module(*library, "certdoctor built-in roots") : nullptr;
  });
  // The other sites are fetched while this one is (diagnosis/compare.hpp).
  std::optional<CompareFetch> comparing;
  if (!r.compare.empty()) comparing.emplace(r.url, r.compare, CompareOptions{fo.resolve, fo.proxy});
  FetchResult fetched = fetch_chain(fo);
  if (fetched.session) d["connection"] = session_json(*fetched.session);
  json chain = json::array();
  for (const auto& der : fetched.chain_der) chain.push_back(describe_certificate(der));
  d["chain"] = chain;
  if (fetched.failure) {
    add_site_values(*fetched.failure, r.url, fo.target);
    findings.push_back(*fetched.failure);
  }

  Opened opened_profile = opening_profile.get(), opened_builtins = opening_builtins.get();
  std::size_t conflict_findings = 0;
  std::unique_ptr<NssStore>& store = opened_profile.store;
  std::unique_ptr<NssStore>& builtins = opened_builtins.store;
  if (opened_builtins.error) {
    findings.push_back(Finding("builtin_roots_unavailable", {{"detail", opened_builtins.error->what()}}));
  }
  if (profile.dir) {
    d["profile"] = {{"path", profile.dir->string()}, {"source", profile.source}, {"reason", profile.reason}};
    try {
      if (opened_profile.error) throw *opened_profile.error;
      ConflictReport report =
          find_conflicts(*store, fetched.chain_der, d["chain"], profile.dir->string(), r.reported_error.value_or(""));
      d["conflicts"] = report.conflicts;
      // What stored certificates break is the most important thing to say: it goes first.
      findings.insert(findings.begin(), report.findings.begin(), report.findings.end());
      conflict_findings = report.findings.size();
    } catch (const StoreError& e) {
      findings.push_back(Finding(e.code(), {{"path", profile.dir->string()}, {"detail", e.what()}}));
    }
  }
  // The verdict: what Firefox shows, from the chain as served and this profile.
  if (fetched.failure) {
    if (const ErrorRow* row = find_error_row(fetched.failure->code); row && row->nss_code) {
      d["firefox_error"] = fetched.failure->code;
    }
  } else if (!fetched.chain_der.empty()) {
    VerdictInput vin{fetched.chain_der, fo.target.host, store.get(), builtins.get(),
                     static_cast<std::int64_t>(std::time(nullptr))};
    std::optional<Verdict> judged;
    try {
      judged = firefox_verdict(vin);
    } catch (const StoreError& e) {
      // A database that fails while the path is built (locked by a writer, gone from under us): no verdict,
      // but the finding says why, and the chain, the connection and the conflicts found so far still arrive.
      findings.push_back(Finding(e.code(), {{"path", profile.dir ? profile.dir->string() : "the built-in roots"},
                                            {"detail", std::string("while judging the chain: ") + e.what()}}));
    }
    if (judged) {
      const Verdict& v = *judged;
      json path = json::array();
      for (std::size_t i = 0; i < v.path.size(); ++i) {
        json p = describe_certificate(v.path[i]);
        p["source"] = v.path_sources[i];
        path.push_back(p);
      }
      if (!v.path.empty()) d["path"] = path;
      d["root_is_builtin"] = v.root_is_builtin;
      // Exceptions the user added on Firefox's error page for this host and port.
      bool exception_covers = false;
      if (profile.dir) {
        const std::string served_fp = override_fingerprint(sha256_hex(fetched.chain_der[0]));
        json exceptions = json::array();
        for (const auto& o : read_cert_overrides(*profile.dir)) {
          if (o.host != fo.target.host || o.port != fo.target.port || !o.origin_attributes.empty()) continue;
          const bool matches = o.fingerprint == served_fp;
          exception_covers |= matches;
          exceptions.push_back({{"host_port", fo.target.authority()}, {"fingerprint", o.fingerprint}, {"matches", matches}});
          if (!matches) {
            findings.push_back(Finding("stale_exception", {{"host_port", fo.target.authority()},
                                                           {"fingerprint", o.fingerprint},
                                                           {"served_fingerprint", served_fp}}));
          }
        }
        d["exceptions"] = exceptions;
      }
      // On an HSTS host no error can be bypassed and stored exceptions are ignored.
      std::optional<HstsStatus> hsts =
          hsts_status(fo.target.host, profile.dir ? read_site_security_state(*profile.dir) : std::vector<HstsEntry>{},
                      static_cast<std::int64_t>(std::time(nullptr)) * 1000);
      if (hsts) {
        d["hsts"] = {{"source", hsts->source}, {"domain", hsts->domain}, {"include_subdomains", hsts->include_subdomains}};
        if (hsts->expires_ms) d["hsts"]["expires"] = utc_format(static_cast<std::time_t>(hsts->expires_ms / 1000));
      }
      if (v.result == pkix::Result::Success) {
        d["firefox_error"] = nullptr;
      } else if (v.overridable && exception_covers && !hsts) {
        d["firefox_error"] = nullptr;
        findings.insert(findings.begin(), Finding("exception_applies", {{"error", std::string(pkix::firefox_code(v.result))},
                                                                        {"host_port", fo.target.authority()}}));
      } else {
        const std::string error(pkix::firefox_code(v.result));
        d["firefox_error"] = error;
        d["overridable"] = v.overridable && !hsts;
        ExplainContext ctx{d["chain"], r.url, fo.target.host, fo.target.authority()};
        Finding f = explain_verdict(v, fetched.chain_der, ctx);
        // After the conflict findings: the verdict, then what it most likely comes from.
        auto next = findings.begin() + static_cast<std::ptrdiff_t>(conflict_findings);
        // The conflict findings already explain a reused serial, with the stored certificate named.
        if (v.result != pkix::Result::ReusedIssuerAndSerial || !d.contains("conflicts") || d["conflicts"].empty()) {
          next = findings.insert(next, f) + 1;
        }
        // An unknown issuer that the server did not send either (unless a stored certificate already explains it).
        if (v.result == pkix::Result::UnknownIssuer && conflict_findings == 0 &&
            !held_by(fetched.chain_der[0], {store.get(), builtins.get()})) {
          if (auto missing = missing_issuer(d["chain"])) findings.insert(next, *missing);
        }
        if (hsts) {
          findings.push_back(Finding(hsts->source == "preload" ? "hsts_preloaded" : "hsts_host",
                                     {{"error", error}, {"host", fo.target.host}, {"domain", hsts->domain},
                                      {"subdomains", hsts->include_subdomains ? ", for its subdomains too" : ""},
                                      {"expires", d["hsts"].value("expires", "")}}));
        } else if (!v.overridable) {
          findings.push_back(Finding("not_overridable", {{"error", error}}));
        }
        // When Firefox reported another code, that code is explained too, with the same certificate's facts.
        if (r.reported_error && *r.reported_error != error &&
            find_error_row(*r.reported_error)) {
          SessionFacts facts;
          if (fetched.session) facts = {fetched.session->version, fetched.session->cipher};
          findings.push_back(explain_reported(f, *r.reported_error, facts));
        }
      }
    }
  }
  if (r.reported_error && d.contains("firefox_error")) {
    const json& predicted = d["firefox_error"];
    if (predicted.is_null() || predicted.get<std::string>() != *r.reported_error) {
      findings.push_back(Finding("prediction_differs",
                                 {{"reported", *r.reported_error},
                                  {"predicted", predicted.is_null() ? "no error" : predicted.get<std::string>()}}));
    }
  }
  // The remedy's command opens this page.
  for (auto& f : findings) {
    if (f.code == "live_connection_conflict") f.values["url"] = r.url;
  }
  if (comparing) {
    CompareReport compared = comparing->finish(fetched.chain_der, d["chain"]);
    d["compared"] = compared.compared;
    add_compare_findings(findings, compared);
  }
  if (profile.problem) {
    profile.problem->values["url"] = r.url;
    findings.push_back(*profile.problem);
  }

  json rendered = json::array();
  for (const auto& f : findings) rendered.push_back(render_finding(f));
  d["findings"] = rendered;
  d["certdoctor"] = {{"version", build::version}};
  return d;
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
    json d = diagnose(after_check_request(check, profile));
    if (!d.contains("firefox_error")) {
      out["error"] = d["findings"].empty() ? "the site could not be judged" : d["findings"][0].value("title", "");
      out["findings"] = d["findings"];
      return out;
    }
    out["firefox_error"] = d["firefox_error"];
    if (d.contains("overridable")) out["overridable"] = d["overridable"];
    out["title"] = d["firefox_error"].is_null() ? "the page loads" : d["findings"][0].value("title", "");
  } catch (const std::exception& e) {
    out = json::object();
    Finding f("after_check_failed", {{"url", check.url}, {"profile", profile.string()}, {"detail", e.what()}});
    json rendered = render_finding(f);
    out["error"] = rendered["title"];
    out["findings"] = json::array({rendered});
  }
  return out;
}

}  // namespace certdoctor
