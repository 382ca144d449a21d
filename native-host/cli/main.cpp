// certdoctor: the command-line front end over the same engine the native host uses.
#include <CLI/CLI.hpp>

#include <iostream>

#include "admin.hpp"
#include "audit.hpp"
#include "every_profile.hpp"
#include "lint_command.hpp"
#include "reissue_command.hpp"
#include "base/build_info.hpp"
#include "diagnosis/diagnose.hpp"
#include "diagnosis/diagnosis_json.hpp"
#include "diagnosis/error_table.hpp"
#include "profile/firefox_nss.hpp"
#include "profile/nss_store.hpp"
#include "profile/profile_access.hpp"
#include "profile/profile_list.hpp"
#include "profile/profile_locate.hpp"
#include "profile/removal.hpp"
#include "diagnosis/render_text.hpp"
#include "base/request_error.hpp"

namespace {

using namespace certdoctor;
using json = nlohmann::json;

// Exact data, but no raw C1 or format character reaches the terminal of whoever reads it (base/text.hpp).
void print_json(const json& j) { std::cout << inert_json(j.dump(2, ' ', false, json::error_handler_t::replace)) << "\n"; }

std::string describe_line(const json& c) {
  return "'" + printable(c.value("nickname", "")) + "' (" + printable(c.value("subject", "")) + ", serial " +
         printable(c.value("serial", "")) + ", trust \"" + printable(c.value("trust", "")) + "\")\n  sha256 " +
         printable(c.value("sha256", ""));
}

struct Options {
  DiagnoseRequest diagnose;
  EveryProfileRequest every;  // remove --every-profile
  bool every_profile = false;
  std::string profile, reported, sha256, url, backup_id, home, platform = "linux", firefox;
  bool as_json = false, allow_trusted = false, list = false;
  double connect_timeout = 5, handshake_timeout = 10;
};

int run_diagnose(Options& o) {
  // Root reads another user's profile as that user: nothing in it is parsed with root's rights.
  if (!o.profile.empty()) read_profile_as_owner(o.profile);
  if (!o.profile.empty()) o.diagnose.profile.explicit_dir = o.profile;
  if (!o.reported.empty()) o.diagnose.reported_error = o.reported;
  o.diagnose.profile.home = current_home();
  o.diagnose.connect_timeout = std::chrono::milliseconds(static_cast<long>(o.connect_timeout * 1000));
  o.diagnose.handshake_timeout = std::chrono::milliseconds(static_cast<long>(o.handshake_timeout * 1000));
  const Diagnosis d = diagnose(o.diagnose);
  if (o.as_json) print_json(to_json(d));
  else std::cout << render_text(d);
  return 0;  // a diagnosis was printed, whatever it says
}

// What a profile's cert9.db holds as trust, read with the NSS that reads it (choose_profile_nss): the certificates
// trusted and distrusted, and the trust objects of each format (CKO_TRUST: Firefox since NSS 3.114; CKO_NSS_TRUST:
// certutil and older Firefox). A database that cannot be read is said so, and the listing goes on.
json trust_summary(const std::filesystem::path& profile) {
  try {
    auto store = NssStore::open(profile, NssStore::Access::read);
    int certificates = 0, trusted = 0, distrusted = 0;
    json objects = {{std::string(name_of(TrustFormat::pkcs11)), 0}, {std::string(name_of(TrustFormat::nss)), 0}};
    for (const auto& c : store->all()) {
      ++certificates;
      for (TrustFormat f : c.trust_objects) objects[std::string(name_of(f))] = objects[std::string(name_of(f))].get<int>() + 1;
      if (c.is_trust_anchor()) ++trusted;
      else if (c.is_distrusted()) ++distrusted;
    }
    json out = {{"certificates", certificates}, {"trusted", trusted}, {"distrusted", distrusted}, {"objects", objects},
                {"nss_version", store->nss().version}, {"applies_pkcs11_trust", store->writes_pkcs11_trust()},
                {"sees_pkcs11_trust", store->sees_pkcs11_trust()}};
    if (!store->nss().problem.empty()) out["nss_problem"] = store->nss().problem;
    return out;
  } catch (const StoreError& e) {
    return {{"error", e.what()}};
  }
}

int run_profiles(const Options& o) {
  const std::filesystem::path home = o.home.empty() ? current_home() : std::filesystem::path(o.home);
  const Platform platform = o.platform == "macos" ? Platform::macos : o.platform == "windows" ? Platform::windows : Platform::linux;
  auto listed = list_profiles(profile_roots_for(platform, home));
  json out = {{"profiles", profiles_json(listed)}};
  // Which NSS each profile's cert9.db is read with (nothing is loaded to say it).
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const ProfileNss nss = choose_profile_nss(listed[i].path, platform);
    out["profiles"][i]["nss"] = {{"library", nss.libraries.system() ? "system" : "firefox"},
                                 {"dir", nss.libraries.install_dir.string()}, {"source", name_of(nss.source)}};
    // The trust is read only where this machine's own profiles are listed (not a tree of another platform's).
    if (listed[i].has_cert_db && platform == this_platform()) out["profiles"][i]["trust"] = trust_summary(listed[i].path);
  }
  if (platform == Platform::linux) {
    ProfileChoice choice = choose_profile({std::nullopt, std::nullopt, home});
    if (choice.dir) out["chosen"] = {{"path", choice.dir->string()}, {"source", choice.source}, {"reason", choice.reason}};
  }
  if (o.as_json) {
    print_json(out);
    return 0;
  }
  if (listed.empty()) {
    std::cout << "No Firefox profiles found under " << printable(home.string()) << "\n";
    return 0;
  }
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const auto& p = listed[i];
    std::cout << printable(p.name.empty() ? "(unnamed)" : p.name) << "  " << printable(p.path.string()) << "\n    "
              << p.root.kind << (p.channel.empty() ? "" : ", " + p.channel)
              << (p.is_default ? ", default" : "")
              << (p.default_for_installs.empty() ? "" : ", default of " + std::to_string(p.default_for_installs.size()) + " installation(s)")
              << (p.running_pid ? ", in use by process " + std::to_string(*p.running_pid) : p.locked ? ", locked" : "")
              << (p.has_cert_db ? "" : ", no cert9.db yet") << "\n";
    const ProfileNss nss = choose_profile_nss(p.path, platform);
    const json& entry = out["profiles"][i];
    const std::string version = entry.contains("trust") ? entry["trust"].value("nss_version", "") : "";
    std::cout << "    read with " << (nss.libraries.system() ? std::string("the system's NSS") : std::string("Firefox's own NSS"))
              << (version.empty() ? "" : " " + printable(version))
              << (nss.libraries.system() ? "" : " in " + printable(nss.libraries.install_dir.string())) << " ("
              << name_of(nss.source) << ")\n";
    if (!entry.contains("trust")) continue;
    const json& t = entry["trust"];
    if (t.contains("error")) {
      std::cout << "    trust not read: " << printable(t["error"].get<std::string>()) << "\n";
      continue;
    }
    if (t.contains("nss_problem")) std::cout << "    Firefox's own NSS could not be used: " << printable(t["nss_problem"].get<std::string>()) << "\n";
    std::cout << "    trust: " << t["trusted"].get<int>() << " trusted, " << t["distrusted"].get<int>() << " distrusted of "
              << t["certificates"].get<int>() << " stored certificates; trust objects: CKO_TRUST "
              << t["objects"][std::string(name_of(TrustFormat::pkcs11))].get<int>() << ", CKO_NSS_TRUST "
              << t["objects"][std::string(name_of(TrustFormat::nss))].get<int>() << "\n";
    if (!t["sees_pkcs11_trust"].get<bool>()) {
      std::cout << "    this NSS refused to search for CKO_TRUST objects: trust Firefox stored since NSS 3.114 is not seen\n";
    } else if (!t["applies_pkcs11_trust"].get<bool>()) {
      std::cout << "    this NSS predates CKO_TRUST (3.114): certdoctor reads that trust itself, but does not remove a "
                   "certificate holding it\n";
    }
  }
  if (out.contains("chosen")) {
    std::cout << "certdoctor would use: " << printable(out["chosen"]["path"].get<std::string>()) << " ("
              << printable(out["chosen"]["reason"].get<std::string>()) << ")\n";
  }
  return 0;
}

int run_remove(const Options& o) {
  // Everything is checked before the profile is touched; once the certificate is gone, the output says so.
  RemoveRequest r{o.profile, normalize_sha256(o.sha256), o.allow_trusted, std::nullopt};
  std::optional<AfterCheck> after;
  if (!o.url.empty()) {
    r.url = o.url;
    after = AfterCheck{o.url, o.diagnose.resolve, o.diagnose.proxy};
    validate_after_check(*after);
  }
  json result = remove_certificate(r);  // as the profile's owner from here on (profile/profile_access.hpp)
  // Given the site, say what Firefox shows for it now (never an exit status of its own: the removal is done).
  if (after) result["after"] = verdict_after(*after, o.profile);
  if (o.as_json) {
    print_json(result);
  } else {
    const std::string id = result["backup_id"].get<std::string>();
    std::cout << "Removed " << describe_line(result["removed"]) << "\nBackup " << id
              << " saved in the profile. To put it back:\n  certdoctor undo --profile " << shell_quote(o.profile)
              << " " << id << "\n";
    if (result.contains("after")) {
      const json& a = result["after"];
      std::cout << "Now " << printable(o.url) << ": "
                << (a.contains("error") ? "not judged" + (a["error"] == "" ? std::string()
                                                                           : " (" + printable(a["error"].get<std::string>()) + ")")
                    : a["firefox_error"].is_null()
                        ? std::string("the page loads")
                        : a["firefox_error"].get<std::string>() + " - " + printable(a.value("title", "")) +
                              (a.value("overridable", false) ? " (the error page lets you continue)" : ""))
                << "\n";
    }
  }
  return 0;
}

// How `undo --list` names where a removal stands (docs/PROTOCOL.md, `state`).
std::string state_text(const std::string& state) {
  if (state == "removed") return "(removed)";
  if (state == "restored") return "(restored)";
  if (state == "removal_interrupted") return "(removal interrupted; the next remove or undo finishes it)";
  if (state == "undo_interrupted") return "(undo interrupted; the next remove or undo finishes it)";
  return "(backup only: not in the journal)";
}

int run_undo(const Options& o) {
  if (o.list) {
    json backups = list_backups(o.profile);
    if (o.as_json) {
      print_json(backups);
    } else if (backups.empty()) {
      std::cout << "No removals recorded in " << printable(o.profile) << "\n";
    } else {
      for (const auto& b : backups) {
        std::cout << b["id"].get<std::string>() << "  " << state_text(b.value("state", "")) << "  "
                  << printable(b.value("removed_at", "")) << "  " << describe_line(b) << "\n";
      }
    }
    return 0;
  }
  json result = undo_removal(o.profile, o.backup_id.empty() ? std::nullopt : std::optional(o.backup_id));
  if (o.as_json) print_json(result);
  else
    std::cout << (result.value("finished_after_interruption", false) ? "Finished the interrupted undo: restored "
                                                                     : "Restored ")
              << describe_line(result["restored"]) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"certdoctor: explains Firefox certificate errors and removes the one stale stored certificate "
               "behind them."};
  app.set_version_flag("--version", std::string("certdoctor ") + std::string(build::version));
  app.require_subcommand(1);
  Options o;

  auto* diag = app.add_subcommand("diagnose", "Fetch the certificate chain a site presents and explain it");
  diag->add_option("url", o.diagnose.url, "https URL (or HOST[:PORT]) of the site")->required();
  diag->add_option("--profile", o.profile, "Firefox profile folder (any folder holding cert9.db)");
  diag->add_option("--resolve", o.diagnose.resolve, "HOST:PORT:ADDRESS - connect to ADDRESS for HOST:PORT, like curl")
      ->take_all();
  diag->add_option("--proxy", o.diagnose.proxy, "HTTP proxy to tunnel through, http://[user:pass@]host:port");
  diag->add_option("--compare", o.diagnose.compare,
                   "URL of another site Firefox has open (repeatable): is it the one holding this site's issuer and serial?")
      ->take_all();
  diag->add_option("--reported-error", o.reported, "the error name Firefox showed, e.g. SEC_ERROR_UNKNOWN_ISSUER");
  diag->add_flag("--json", o.as_json, "print exactly one JSON object (logs go to stderr)");
  diag->add_option("--connect-timeout", o.connect_timeout, "seconds to wait for the TCP connection")
      ->default_val(5)->check(CLI::Range(0.1, 600.0));
  diag->add_option("--timeout", o.handshake_timeout, "seconds to wait for the TLS handshake")
      ->default_val(10)->check(CLI::Range(0.1, 600.0));

  auto* rm = app.add_subcommand("remove", "Remove exactly one stored certificate, after saving a backup");
  auto* rm_profile = rm->add_option("--profile", o.profile, "Firefox profile folder (holding cert9.db)");
  auto* every = rm->add_flag("--every-profile", o.every_profile,
                             "every Firefox profile of every local user (run as root; as each profile's user), or of "
                             "this user when not root; a report per profile");
  every->excludes(rm_profile);
  rm->add_option("--user", o.every.users, "with --every-profile: only this user's profiles (repeatable)")
      ->needs(every)->take_all();
  rm->add_option("--sha256", o.sha256, "SHA-256 of the certificate to remove (64 hex digits, colons allowed)")
      ->required();
  rm->add_option("--url", o.url, "the site this removal is for: recorded with the backup, and checked afterwards")
      ->excludes(every);
  rm->add_option("--resolve", o.diagnose.resolve, "HOST:PORT:ADDRESS for checking --url, like curl");
  rm->add_option("--proxy", o.diagnose.proxy, "http://HOST:PORT proxy for checking --url");
  rm->add_flag("--allow-trusted", o.allow_trusted,
               "also remove a trusted root, a certificate with a private key, or a distrusted certificate");
  rm->add_flag("--json", o.as_json, "print the result as one JSON object");

  auto* undo = app.add_subcommand("undo", "Put back the last removal, or the one named by its backup id");
  undo->add_option("--profile", o.profile, "Firefox profile folder (holding cert9.db)")->required();
  undo->add_option("backup_id", o.backup_id, "a backup id from --list (default: the last removal not undone)");
  undo->add_flag("--list", o.list, "list the removals recorded in this profile");
  undo->add_flag("--json", o.as_json, "print the result as one JSON object");

  auto* prof = app.add_subcommand("profiles", "List every Firefox profile of this user, and which one is used");
  prof->add_option("--home", o.home, "whose profiles (default: $HOME), e.g. a home mounted from another machine");
  prof->add_option("--platform", o.platform, "where Firefox keeps profiles on that home")
      ->check(CLI::IsMember({"linux", "macos", "windows"}))->default_val("linux");
  prof->add_flag("--json", o.as_json, "print the list as one JSON object");

  for (auto* sub : {diag, rm, undo, prof}) {
    sub->add_option("--firefox", o.firefox,
                    "the Firefox installation whose NSS reads the profile (default: the profile's compatibility.ini, "
                    "then the usual install folders, then the system's NSS)");
  }

  AdminCommands admin(app);
  AuditCommand audit(app);
  ReissueCommand reissue(app);
  LintCommand lint(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    if (!o.firefox.empty()) {
      if (!nss_libraries_in(o.firefox)) {
        throw RequestError("invalid_field", "--firefox " + o.firefox + " holds no NSS software token (libsoftokn3)");
      }
      set_owning_firefox(o.firefox, NssSource::firefox_option);
    }
    if (diag->parsed()) return run_diagnose(o);
    if (prof->parsed()) return run_profiles(o);
    if (rm->parsed() && o.every_profile) {
      o.every.sha256 = o.sha256;
      o.every.allow_trusted = o.allow_trusted;
      o.every.as_json = o.as_json;
      return remove_from_every_profile(o.every);
    }
    if (rm->parsed() && o.profile.empty()) {
      std::cerr << "certdoctor remove: give --profile DIR, or --every-profile\n";
      return 2;
    }
    if (rm->parsed()) return run_remove(o);
    if (undo->parsed()) return run_undo(o);
    if (auto rc = admin.run()) return *rc;
    if (auto rc = audit.run()) return *rc;
    if (auto rc = reissue.run()) return *rc;
    if (auto rc = lint.run()) return *rc;
  } catch (const RequestError& e) {
    std::cerr << "certdoctor: " << printable(e.what()) << "\n";
    return e.code() == "invalid_url" || e.code() == "invalid_field" ? 2 : 1;
  } catch (const StoreError& e) {
    std::cerr << "certdoctor: " << printable(e.what()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "certdoctor: internal error: " << printable(e.what()) << "\n";
    return 1;
  }
  return 2;
}
