#include "removal.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>

#include "cert_info.hpp"
#include "conflicts.hpp"
#include "nss_store.hpp"
#include "request_error.hpp"
#include "utc.hpp"

namespace certdoctor {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kBackupDir = "certdoctor-backups";
constexpr const char* kJournal = "journal.jsonl";

std::string to_hex(const std::string& bytes) {
  static constexpr char d[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  auto nibble = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10; };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1]));
  return out;
}

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

// Writes a file completely or not at all: a temporary file, flushed to disk, then renamed into place.
void write_atomically(const fs::path& path, const std::string& data) {
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw RequestError("backup_failed", "cannot write the backup " + tmp.string());
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    fs::remove(tmp);
    throw RequestError("backup_failed", "cannot write the backup " + path.string());
  }
}

void append_journal(const fs::path& profile, const json& entry) {
  std::ofstream out(profile / kBackupDir / kJournal, std::ios::app);
  out << entry.dump() << "\n";
  out.flush();
  if (!out) throw RequestError("backup_failed", "cannot append to the backup journal");
}

std::vector<json> read_journal(const fs::path& profile) {
  std::vector<json> entries;
  std::ifstream in(profile / kBackupDir / kJournal);
  for (std::string line; std::getline(in, line);) {
    json e = json::parse(line, nullptr, false);
    if (e.is_object() && e.value("id", json()).is_string() && e.contains("action")) entries.push_back(e);  // skip torn lines
  }
  return entries;
}

json summary(const StoredCert& c) {
  json d = describe_certificate(c.der);
  return {{"sha256", c.sha256},          {"nickname", c.nickname},           {"trust", c.trust_string()},
          {"subject", d.value("subject", "")}, {"issuer", d.value("issuer", "")}, {"serial", d.value("serial", "")},
          {"not_before", d.value("not_before", "")}, {"not_after", d.value("not_after", "")}};
}

bool safe_id(const std::string& id) {
  return !id.empty() && id.size() < 80 && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-';
  });
}

}  // namespace

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

json remove_certificate(const RemoveRequest& r) {
  const std::string sha256 = normalize_sha256(r.sha256);
  auto store = NssStore::open(r.profile, NssStore::Access::write);
  if (store->needs_password()) {
    throw StoreError("store_password", "the profile is protected by a Primary Password; certdoctor does not ask for it");
  }
  auto cert = store->by_sha256(sha256);
  if (!cert) {
    throw RequestError("not_found", "no certificate with SHA-256 " + sha256 + " is stored in " + r.profile.string());
  }
  Removability why = removability(*cert);
  if (!why.without_confirmation && !r.allow_trusted) {
    throw RequestError("needs_allow_trusted", "'" + cert->nickname + "' was not removed: " + why.caution +
                                                  ". Add --allow-trusted to remove it anyway");
  }

  // The backup is on disk before anything is deleted.
  const NssStore::Snapshot snap = store->snapshot(*cert);
  const std::string id = utc_format(std::time(nullptr), "%Y%m%dT%H%M%SZ") + "-" + sha256.substr(0, 12);
  fs::create_directories(r.profile / kBackupDir);
  ::chmod((r.profile / kBackupDir).c_str(), 0700);
  json backup = summary(*cert);
  backup["id"] = id;
  backup["removed_at"] = utc_format(std::time(nullptr));
  if (r.url) backup["url"] = *r.url;
  backup["objects"] = {{"certificate", attributes_json(snap.certificate)}};
  if (snap.trust) backup["objects"]["trust"] = attributes_json(*snap.trust);
  write_atomically(r.profile / kBackupDir / (id + ".json"), backup.dump(2));

  store->destroy(*cert);
  bool gone = true;
  for (const auto& left : store->by_issuer_serial(cert->issuer_der, cert->serial_der)) gone = gone && left.sha256 != sha256;
  append_journal(r.profile, {{"time", backup["removed_at"]}, {"action", "removed"}, {"id", id}, {"sha256", sha256}});
  if (!gone) throw RequestError("remove_failed", "the certificate is still stored after the deletion");
  return {{"removed", summary(*cert)}, {"backup_id", id}, {"verified_gone", gone}};
}

json list_backups(const fs::path& profile) {
  // The journal in order: a removal's last entry tells whether it has been undone since.
  std::vector<std::string> order;
  std::map<std::string, bool> restored;
  for (const auto& e : read_journal(profile)) {
    const std::string id = e["id"].get<std::string>();
    if (!restored.count(id)) order.push_back(id);
    restored[id] = e["action"] == "restored";
  }
  json out = json::array();
  for (const auto& id : order) {
    json b = json::parse(std::ifstream(profile / kBackupDir / (id + ".json")), nullptr, false);
    if (!b.is_object()) continue;
    out.push_back({{"id", id}, {"removed_at", b.value("removed_at", "")}, {"sha256", b.value("sha256", "")},
                   {"nickname", b.value("nickname", "")}, {"trust", b.value("trust", "")},
                   {"subject", b.value("subject", "")}, {"serial", b.value("serial", "")},
                   {"restored", restored[id]}});
  }
  return out;
}

json undo_removal(const fs::path& profile, const std::optional<std::string>& backup_id) {
  json backups = list_backups(profile);
  std::string id;
  if (backup_id) {
    if (!safe_id(*backup_id)) throw RequestError("invalid_field", "not a backup id: " + backup_id->substr(0, 80));
    id = *backup_id;
  } else {
    for (const auto& b : backups) {
      if (!b["restored"].get<bool>()) id = b["id"];
    }
    if (id.empty()) throw RequestError("no_backup", "no removal to undo in " + profile.string());
  }
  json backup = json::parse(std::ifstream(profile / kBackupDir / (id + ".json")), nullptr, false);
  if (!backup.is_object() || !backup.contains("objects")) {
    throw RequestError("no_backup", "no readable backup '" + id + "' in " + profile.string());
  }
  NssStore::Snapshot snap;
  snap.certificate = attributes_from(backup["objects"]["certificate"]);
  if (backup["objects"].contains("trust")) snap.trust = attributes_from(backup["objects"]["trust"]);
  const std::string sha256 = backup.value("sha256", "");

  auto store = NssStore::open(profile, NssStore::Access::write);
  const std::string issuer = snap.issuer_der(), serial = snap.serial_der();
  for (const auto& c : store->by_issuer_serial(issuer, serial)) {
    if (c.sha256 == sha256) throw RequestError("already_present", "'" + c.nickname + "' is already stored");
  }
  store->restore(snap);
  std::optional<StoredCert> back;
  for (auto& c : store->by_issuer_serial(issuer, serial)) {
    if (c.sha256 == sha256) back = c;
  }
  if (!back) throw RequestError("restore_failed", "the certificate is not stored after restoring it");
  append_journal(profile, {{"time", utc_format(std::time(nullptr))}, {"action", "restored"}, {"id", id}, {"sha256", sha256}});
  return {{"restored", summary(*back)}, {"backup_id", id}};
}

void become_profile_owner(const fs::path& profile) {
  struct stat st {};
  if (::geteuid() != 0 || ::stat((profile / "cert9.db").c_str(), &st) != 0 || st.st_uid == 0) return;
  if (::setgroups(0, nullptr) != 0 || ::setgid(st.st_gid) != 0 || ::setuid(st.st_uid) != 0) {
    throw RequestError("internal_error", "cannot switch to the profile owner's user id");
  }
}

}  // namespace certdoctor
