#include "profile/removal.hpp"

#include <pkcs11.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>
#include <sstream>

#include "base/hex.hpp"
#include "certificate/cert_info.hpp"
#include "base/fault.hpp"
#include "profile/nss_store.hpp"
#include "base/request_error.hpp"
#include "base/safe_file.hpp"
#include "base/utc.hpp"
#include "profile/profile_access.hpp"

namespace certdoctor {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kBackupDir = "certdoctor-backups";
constexpr const char* kJournal = "journal.jsonl";

json attributes_json(const RawAttributes& attrs) {
  json j = json::object();
  for (const auto& [type, value] : attrs) j[std::to_string(type)] = to_hex(value);
  return j;
}

RawAttributes attributes_from(const json& j) {
  RawAttributes out;
  for (const auto& [type, value] : j.items()) out[std::stoul(type)] = from_hex(value.get<std::string>());
  return out;
}

// The backup folder of a profile, open: every file in it is reached relative to it, never through a link, and
// only when it belongs to the user certdoctor acts as (base/safe_file.hpp). `dir` is empty when the folder does
// not exist yet (nothing was ever removed).
struct BackupFolder {
  Fd dir;
  std::string shown;  // the folder's path, for messages
  std::string file(const std::string& name) const { return shown + "/" + name; }
};

const SafeFileError kBackupError{"backup_failed"};

BackupFolder backup_folder(const ProfileAccess& profile, const fs::path& shown, bool create) {
  BackupFolder b;
  b.shown = (shown / kBackupDir).string();
  b.dir = open_private_folder(profile.folder.get(), kBackupDir, create, b.shown, kBackupError);
  return b;
}

// One line, on disk (fsync) before the caller goes on: the journal is what a later run trusts. Append-only: it is
// never opened any other way.
void append_journal(const BackupFolder& folder, const json& entry) {
  append_private_file(folder.dir.get(), kJournal, entry.dump() + "\n", folder.file(kJournal), kBackupError);
}

std::vector<json> read_journal(const BackupFolder& folder) {
  std::vector<json> entries;
  if (!folder.dir) return entries;
  const auto text = read_private_file(folder.dir.get(), kJournal, folder.file(kJournal), kBackupError);
  if (!text) return entries;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    json e = json::parse(line, nullptr, false);
    if (e.is_object() && e.value("id", json()).is_string() && e.value("action", json()).is_string()) {
      entries.push_back(e);  // a torn last line (a crash while appending) is skipped
    }
  }
  return entries;
}

json summary(const StoredCert& c) {
  const CertificateDescription d = describe_certificate(c.der);
  return {{"sha256", c.sha256},  {"nickname", c.nickname}, {"trust", c.trust_string()},
          {"subject", d.subject}, {"issuer", d.issuer},     {"serial", d.serial},
          {"not_before", d.not_before}, {"not_after", d.not_after}};
}

bool safe_id(const std::string& id) {
  return !id.empty() && id.size() < 80 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-';
  });
}

// Where a removal stands, from the journal's last word on it. "removing" and "restoring" are intents written
// before the profile is changed: finding one means a run stopped half-way, and the next run finishes it.
enum class State { unrecorded, removing, removed, restoring, restored };

State state_of(const std::string& action) {
  if (action == "removing") return State::removing;
  if (action == "removed") return State::removed;
  if (action == "restoring") return State::restoring;
  if (action == "restored") return State::restored;
  return State::unrecorded;
}

std::string_view name_of(State s) {
  switch (s) {
    case State::unrecorded: return "unrecorded";
    case State::removing: return "removal_interrupted";
    case State::removed: return "removed";
    case State::restoring: return "undo_interrupted";
    case State::restored: return "restored";
  }
  return "unrecorded";
}

struct Backup {
  std::string id;
  json file;  // the backup file's content
  State state = State::unrecorded;
};

json read_backup_file(const BackupFolder& folder, const std::string& id) {
  const std::string name = id + ".json";
  const auto text = read_private_file(folder.dir.get(), name, folder.file(name), kBackupError);
  return text ? json::parse(*text, nullptr, false) : json();
}

// Every backup in the profile, in the order the removals happened: those the journal names, in its order,
// then any backup file it does not name (a crash between writing the backup and the journal's first line,
// or a journal lost since), by time.
std::vector<Backup> all_backups(const BackupFolder& folder) {
  std::vector<Backup> out;
  if (!folder.dir) return out;
  std::map<std::string, std::size_t> index;
  for (const auto& e : read_journal(folder)) {
    const std::string id = e["id"].get<std::string>();
    if (!safe_id(id)) continue;
    auto [it, fresh] = index.emplace(id, out.size());
    if (fresh) out.push_back({id, json(), State::unrecorded});
    out[it->second].state = state_of(e["action"].get<std::string>());
  }
  std::vector<Backup> unnamed;
  for (const auto& name : folder_names(folder.dir.get())) {
    const fs::path p = name;
    if (p.extension() != ".json" || !safe_id(p.stem().string()) || index.count(p.stem().string())) continue;
    unnamed.push_back({p.stem().string(), json(), State::unrecorded});
  }
  for (auto& b : out) b.file = read_backup_file(folder, b.id);
  for (auto& b : unnamed) b.file = read_backup_file(folder, b.id);
  std::erase_if(out, [](const Backup& b) { return !b.file.is_object(); });
  std::erase_if(unnamed, [](const Backup& b) { return !b.file.is_object(); });
  std::sort(unnamed.begin(), unnamed.end(), [](const Backup& a, const Backup& b) {
    return std::pair(a.file.value("removed_at", ""), a.id) < std::pair(b.file.value("removed_at", ""), b.id);
  });
  out.insert(out.end(), unnamed.begin(), unnamed.end());
  return out;
}

// The objects a backup file holds. "trust" is one object (backups made before CKO_TRUST was read) or a list of
// them, each in the format it was stored in.
NssStore::Snapshot snapshot_of(const json& backup) {
  NssStore::Snapshot snap;
  const json objects = backup.value("objects", json::object());
  if (!objects.is_object() || !objects.contains("certificate") || !objects["certificate"].is_object()) {
    throw RequestError("no_backup", "the backup holds no certificate");
  }
  try {
    snap.certificate = attributes_from(objects["certificate"]);
    if (objects.contains("trust")) {
      const json& t = objects["trust"];
      if (t.is_object()) snap.trust.push_back(attributes_from(t));
      else for (const auto& one : t) snap.trust.push_back(attributes_from(one));
    }
  } catch (const std::exception&) {
    throw RequestError("backup_rejected", "the backup's objects cannot be read");
  }
  return snap;
}

// What undo puts back must be exactly what a removal took away: the certificate the file names by its hash and
// id, in the object classes and attributes certdoctor saves, with trust objects that belong to it. A file that
// someone else wrote or changed is refused before anything is created.
NssStore::Snapshot verified_snapshot(const json& backup, const std::string& id) {
  const NssStore::Snapshot snap = snapshot_of(backup);
  const std::string sha256 = backup.value("sha256", "");
  std::string why = snap.problem(sha256);
  if (why.empty() && (backup.value("id", "") != id || id.find(sha256.substr(0, 12)) == std::string::npos || sha256.size() != 64)) {
    why = "its id is not the one of this removal";
  }
  if (!why.empty()) throw RequestError("backup_rejected", "the backup " + id + " was not restored: " + why);
  return snap;
}

// Finishes what a run stopped half-way left: a removal journaled as begun loses whatever of the certificate
// and its trust is still stored, an undo journaled as begun gets back whatever is missing. Both directions
// are the intent that was on disk before the first change, so a crash at any instant ends as if the run had
// completed, and its backup stays available to undo.
// Returns the ids of the undos it finished.
std::vector<std::string> recover_interrupted(const BackupFolder& folder, NssStore& store) {
  std::vector<std::string> undone;
  for (const auto& b : all_backups(folder)) {
    if (b.state != State::removing && b.state != State::restoring) continue;
    NssStore::Snapshot snap;
    try {
      snap = verified_snapshot(b.file, b.id);
    } catch (const RequestError&) {
      continue;  // a damaged backup file: nothing it names can be finished, and the rest must not wait for it
    }
    if (b.state == State::removing) {
      store.destroy_certificate(snap);
      store.destroy_trust(snap);
      append_journal(folder, {{"time", utc_format(std::time(nullptr))}, {"action", "removed"}, {"id", b.id},
                               {"sha256", b.file.value("sha256", "")}, {"finished_after_interruption", true}});
    } else {
      store.restore(snap);
      append_journal(folder, {{"time", utc_format(std::time(nullptr))}, {"action", "restored"}, {"id", b.id},
                               {"sha256", b.file.value("sha256", "")}, {"finished_after_interruption", true}});
      undone.push_back(b.id);
    }
  }
  return undone;
}

// A new backup id: the time, the certificate's hash, and a counter when that name is taken (a removal, its
// undo and the same removal again within one second).
std::string new_backup_id(const BackupFolder& folder, const std::string& sha256) {
  const std::string base = utc_format(std::time(nullptr), "%Y%m%dT%H%M%SZ") + "-" + sha256.substr(0, 12);
  std::string id = base;
  for (int n = 2; stat_at(folder.dir.get(), id + ".json"); ++n) id = base + "-" + std::to_string(n);
  return id;
}

}  // namespace

Removability removability(const StoredCert& c) {
  if (c.trust_unreadable) {
    return {false, "this NSS cannot read trust stored as CKO_TRUST objects, so its trust is unknown", true};
  }
  if (c.has_private_key) return {false, "it has a private key in this profile (a client certificate of yours)"};
  if (c.is_trust_anchor()) return {false, "it is a trusted root: sites it vouches for stop loading"};
  if (c.is_distrusted()) return {false, "it is explicitly distrusted: removing it removes the distrust"};
  return {};
}

std::string normalize_sha256(const std::string& text) {
  std::string hex;
  for (char c : text) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      throw RequestError("invalid_field", "sha256 must be 64 hexadecimal digits (colons allowed)");
    }
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 64) throw RequestError("invalid_field", "sha256 must be the full 64 hexadecimal digits");
  return hex;
}

// The profile's database opened for a change, once it is known that it can be changed: a newer NSS (Firefox's
// own) adds its attribute columns the first time it opens a database for writing, so a profile certdoctor refuses
// (a Primary Password) is looked at read-only and keeps every byte.
std::unique_ptr<NssStore> open_for_change(const fs::path& profile) {
  if (NssStore::open(profile, NssStore::Access::read)->needs_password()) {
    throw StoreError(Condition::store_password, "the profile is protected by a Primary Password; certdoctor does not ask for it");
  }
  return NssStore::open(profile, NssStore::Access::write);
}

json remove_certificate(const RemoveRequest& r) {
  const std::string sha256 = normalize_sha256(r.sha256);
  const ProfileAccess access = enter_profile(r.profile);
  auto store = open_for_change(access.path);
  BackupFolder existing = backup_folder(access, r.profile, false);
  recover_interrupted(existing, *store);
  auto cert = store->by_sha256(sha256);
  if (!cert) {
    throw RequestError("not_found", "no certificate with SHA-256 " + sha256 + " is stored in " + r.profile.string());
  }
  Removability why = removability(*cert);
  if (why.never) {
    throw RequestError("trust_unreadable", "'" + cert->nickname + "' was not removed: " + why.caution +
                                               ". Name the Firefox that owns the profile with --firefox DIR");
  }
  if (!store->writes_pkcs11_trust() &&
      std::count(cert->trust_objects.begin(), cert->trust_objects.end(), TrustFormat::pkcs11) > 0) {
    throw RequestError("trust_unreadable", "'" + cert->nickname + "' was not removed: its trust is a CKO_TRUST object, which NSS " +
                                               store->nss().version + " cannot restore on undo. Name the Firefox that owns the profile with --firefox DIR");
  }
  if (!why.without_confirmation && !r.allow_trusted) {
    throw RequestError("needs_allow_trusted", "'" + cert->nickname + "' was not removed: " + why.caution +
                                                  ". Add --allow-trusted to remove it anyway");
  }

  // 1. The backup is on disk before anything else happens.
  const NssStore::Snapshot snap = store->snapshot(*cert);
  const BackupFolder folder = existing.dir ? std::move(existing) : backup_folder(access, r.profile, true);
  const std::string id = new_backup_id(folder, sha256);
  json backup = summary(*cert);
  backup["id"] = id;
  backup["removed_at"] = utc_format(std::time(nullptr));
  if (r.url) backup["url"] = *r.url;
  backup["objects"] = {{"certificate", attributes_json(snap.certificate)}};
  if (!snap.trust.empty()) {
    json trust = json::array();
    for (const auto& t : snap.trust) trust.push_back(attributes_json(t));
    backup["objects"]["trust"] = trust;
  }
  write_file_at(folder.dir.get(), id + ".json", backup.dump(2), 0600, folder.file(id + ".json"), kBackupError);
  crash_point("remove.after_backup");
  // 2. The intent, journaled: from here on, a run that stops is finished by the next one.
  append_journal(folder, {{"time", backup["removed_at"]}, {"action", "removing"}, {"id", id}, {"sha256", sha256}});
  crash_point("remove.after_intent");
  // 3. The certificate first (what breaks the site), then its trust object; each step can be repeated.
  store->destroy_certificate(snap);
  crash_point("remove.after_certificate");
  store->destroy_trust(snap);
  crash_point("remove.after_trust");
  const NssStore::Presence left = store->present(snap);
  bool gone = !left.certificate && !left.some_trust;
  for (const auto& other : store->by_issuer_serial(cert->issuer_der, cert->serial_der)) gone = gone && other.sha256 != sha256;
  if (!gone) throw RequestError("remove_failed", "the certificate is still stored after the deletion");
  // 4. Done.
  append_journal(folder, {{"time", utc_format(std::time(nullptr))}, {"action", "removed"}, {"id", id}, {"sha256", sha256}});
  crash_point("remove.after_done");
  return {{"removed", summary(*cert)}, {"backup_id", id}, {"verified_gone", gone}};
}

json list_backups(const fs::path& profile) {
  const ProfileAccess access = enter_profile(profile);
  json out = json::array();
  for (const auto& b : all_backups(backup_folder(access, profile, false))) {
    const json& f = b.file;
    // Only what was verified is listed (the file is text in the user's profile): a backup that undo would refuse
    // is left out, and the subject and serial are read from the certificate the backup holds, not from its text.
    std::optional<NssStore::Snapshot> snap;
    try {
      snap = verified_snapshot(f, b.id);
    } catch (const RequestError&) {
      continue;
    }
    const CertificateDescription d = describe_certificate(snap->attribute(CKA_VALUE));
    out.push_back({{"id", b.id}, {"removed_at", f.value("removed_at", "")}, {"sha256", f.value("sha256", "")},
                   {"nickname", f.value("nickname", "")}, {"trust", f.value("trust", "")},
                   {"subject", d.subject}, {"serial", d.serial},
                   {"state", name_of(b.state)}, {"restored", b.state == State::restored}});
  }
  return out;
}

json undo_removal(const fs::path& profile, const std::optional<std::string>& backup_id) {
  if (backup_id && !safe_id(*backup_id)) {
    throw RequestError("invalid_field", "not a backup id: " + backup_id->substr(0, 80));
  }
  const ProfileAccess access = enter_profile(profile);
  auto store = open_for_change(access.path);
  const BackupFolder folder = backup_folder(access, profile, false);
  const std::vector<std::string> finished = recover_interrupted(folder, *store);

  std::optional<Backup> chosen;
  for (auto& b : all_backups(folder)) {
    if (backup_id) {
      if (b.id == *backup_id) chosen = b;
      continue;
    }
    // The last removal not undone; a backup the journal does not name counts when its certificate is gone.
    if (b.state == State::removed || (b.state == State::unrecorded && [&] {
          try {
            return !store->present(snapshot_of(b.file)).certificate;
          } catch (const RequestError&) {
            return false;  // an unreadable file is nothing to undo by default
          }
        }())) {
      chosen = b;
    }
  }
  if (!chosen && !backup_id && !finished.empty()) {
    // The undo asked for last time was cut short, and finishing it is what this undo did.
    for (auto& b : all_backups(folder)) {
      if (b.id != finished.back()) continue;
      const NssStore::Snapshot snap = snapshot_of(b.file);
      for (auto& c : store->by_issuer_serial(snap.issuer_der(), snap.serial_der())) {
        if (c.sha256 == b.file.value("sha256", "")) {
          return {{"restored", summary(c)}, {"backup_id", b.id}, {"finished_after_interruption", true}};
        }
      }
    }
  }
  if (!chosen) {
    throw RequestError("no_backup", backup_id ? "no readable backup '" + *backup_id + "' in " + profile.string()
                                              : "no removal to undo in " + profile.string());
  }
  const NssStore::Snapshot snap = verified_snapshot(chosen->file, chosen->id);
  const std::string sha256 = chosen->file.value("sha256", "");
  const NssStore::Presence before = store->present(snap);
  if (before.certificate && (before.trust || snap.trust.empty())) {
    throw RequestError("already_present", "'" + chosen->file.value("nickname", "") + "' is already stored");
  }
  append_journal(folder, {{"time", utc_format(std::time(nullptr))}, {"action", "restoring"}, {"id", chosen->id},
                           {"sha256", sha256}});
  crash_point("undo.after_intent");
  std::vector<TrustFormat> created;
  try {
    created = store->create_trust(snap);
    crash_point("undo.after_trust");
    store->create_certificate(snap);
  } catch (const StoreError&) {
    // Nothing half-done stays behind: the trust created just now goes again, and the journal says so.
    store->destroy_trust(snap, created);
    append_journal(folder, {{"time", utc_format(std::time(nullptr))}, {"action", "removed"}, {"id", chosen->id},
                             {"sha256", sha256}, {"undo_failed", true}});
    throw;
  }
  crash_point("undo.after_certificate");
  std::optional<StoredCert> back;
  for (auto& c : store->by_issuer_serial(snap.issuer_der(), snap.serial_der())) {
    if (c.sha256 == sha256) back = c;
  }
  if (!back) throw RequestError("restore_failed", "the certificate is not stored after restoring it");
  append_journal(folder, {{"time", utc_format(std::time(nullptr))}, {"action", "restored"}, {"id", chosen->id},
                           {"sha256", sha256}});
  return {{"restored", summary(*back)}, {"backup_id", chosen->id}};
}

}  // namespace certdoctor
