#include "protocol/policy_remove.hpp"

#include <ctime>

#include "base/hex.hpp"
#include "base/request_error.hpp"
#include "base/safe_file.hpp"
#include "base/utc.hpp"
#include "profile/nss_store.hpp"
#include "profile/profile_access.hpp"
#include "profile/removal.hpp"
#include "profile/store_error.hpp"

namespace certdoctor {
namespace {

using json = nlohmann::json;

// Hex (either case, colons or spaces between octets allowed) or base64: the two ways a policy can carry DER.
std::string der_field(const json& row, const char* key) {
  const json& v = row.at(key);
  if (!v.is_string()) throw RequestError("invalid_field", std::string("'") + key + "' must be a string: DER in hex or base64");
  std::string text = v.get<std::string>(), hex;
  for (char c : text) {
    if (c != ':' && c != ' ') hex += c;
  }
  std::string der = from_hex(hex);
  if (der.empty()) der = decode_base64(text);
  if (der.empty()) throw RequestError("invalid_field", std::string("'") + key + "' is neither hexadecimal nor base64");
  return der;
}

// The length of the DER element at the start of `der` (tag, length and content), or 0 when it is not one.
std::size_t der_element_size(std::string_view der) {
  if (der.size() < 2) return 0;
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(der[i]); };
  std::size_t length = b(1), header = 2;
  if (length & 0x80) {
    const std::size_t octets = length & 0x7f;
    if (octets == 0 || octets > 4 || der.size() < 2 + octets) return 0;
    length = 0;
    for (std::size_t i = 0; i < octets; ++i) length = length << 8 | b(2 + i);
    header += octets;
  }
  return header + length;
}

json outcome_base(const PolicyRow& row) {
  return {{"row", row.as_given}, {"time", utc_format(std::time(nullptr))}};
}

json failed(json out, const std::string& outcome, const std::string& code, const std::string& message) {
  out["outcome"] = outcome;
  out["error"] = {{"code", code}, {"message", message}};
  return out;
}

// The SHA-256 of the stored certificate a row names, or nullopt when this profile holds none.
std::optional<std::string> resolve(const std::filesystem::path& profile, const PolicyRow& row) {
  if (row.sha256) return row.sha256;
  auto store = NssStore::open(profile, NssStore::Access::read);
  const auto found = store->by_issuer_serial(*row.issuer_der, *row.serial_der);
  if (found.empty()) return std::nullopt;
  if (found.size() > 1) {
    throw RequestError("ambiguous", "the profile holds " + std::to_string(found.size()) +
                                        " certificates with this issuer and serial; name the one to remove by its sha256");
  }
  return found.front().sha256;
}

// Appends the outcomes to certdoctor-backups/policy.jsonl, beside the backups and journal of the removals.
void record(const std::filesystem::path& profile, const json& outcomes) {
  const SafeFileError err{"backup_failed"};
  const ProfileAccess access = enter_profile(profile);
  const std::string shown = (profile / "certdoctor-backups").string();
  Fd folder = open_private_folder(access.folder.get(), "certdoctor-backups", true, shown, err);
  std::string lines;
  for (const auto& o : outcomes) lines += o.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  append_private_file(folder.get(), "policy.jsonl", lines, shown + "/policy.jsonl", err);
}

}  // namespace

PolicyRow policy_row(const json& row) {
  if (!row.is_object()) throw RequestError("invalid_field", "each certificate of the policy must be an object");
  PolicyRow r;
  r.as_given = row;
  const bool by_sha = row.contains("sha256"), by_issuer = row.contains("issuer") || row.contains("serial");
  if (by_sha == by_issuer) {
    throw RequestError("invalid_field", "name the certificate either by 'sha256' or by 'issuer' and 'serial'");
  }
  if (by_sha) {
    if (!row.at("sha256").is_string()) throw RequestError("invalid_field", "'sha256' must be a string");
    r.sha256 = normalize_sha256(row.at("sha256").get<std::string>());
  } else {
    if (!row.contains("issuer") || !row.contains("serial")) {
      throw RequestError("invalid_field", "'issuer' and 'serial' go together");
    }
    r.issuer_der = der_field(row, "issuer");
    r.serial_der = der_field(row, "serial");
    if (static_cast<unsigned char>(r.issuer_der->front()) != 0x30 || der_element_size(*r.issuer_der) != r.issuer_der->size()) {
      throw RequestError("invalid_field", "'issuer' must be the DER of the issuer's Name (a SEQUENCE)");
    }
    if (static_cast<unsigned char>(r.serial_der->front()) != 0x02 || der_element_size(*r.serial_der) != r.serial_der->size()) {
      throw RequestError("invalid_field", "'serial' must be the DER of the serial's INTEGER (tag 02, length, octets)");
    }
  }
  if (!row.contains("reason") || !row.at("reason").is_string() || row.at("reason").get<std::string>().empty()) {
    throw RequestError("invalid_field", "each certificate of the policy needs a 'reason'");
  }
  r.reason = row.at("reason").get<std::string>();
  if (row.contains("allow_trusted")) {
    const json& allow = row.at("allow_trusted");
    // Windows Group Policy gives switches as 1/0.
    if (allow.is_boolean()) r.allow_trusted = allow.get<bool>();
    else if (allow.is_number_integer()) r.allow_trusted = allow.get<int>() != 0;
    else throw RequestError("invalid_field", "'allow_trusted' must be true or false");
  }
  return r;
}

json remove_by_policy(const std::filesystem::path& profile, const json& rows) {
  if (!rows.is_array()) throw RequestError("invalid_field", "'certificates' must be an array");
  json outcomes = json::array();
  for (const auto& given : rows) {
    json out = {{"row", given}, {"time", utc_format(std::time(nullptr))}};
    try {
      const PolicyRow row = policy_row(given);
      out = outcome_base(row);
      const auto sha256 = resolve(profile, row);
      if (!sha256) {
        out["outcome"] = "not_stored";
      } else {
        out["sha256"] = *sha256;
        json removed = remove_certificate({profile, *sha256, row.allow_trusted, std::nullopt});
        out["outcome"] = "removed";
        out["backup_id"] = removed.at("backup_id");
        out["removed"] = removed.at("removed");
      }
    } catch (const RequestError& e) {
      const std::string code = e.code();
      if (code == "not_found") {
        out["outcome"] = "not_stored";
      } else if (code == "needs_allow_trusted" || code == "trust_unreadable" || code == "ambiguous") {
        out = failed(out, "refused", code, e.what());
      } else {
        out = failed(out, "failed", code, e.what());
      }
    } catch (const StoreError& e) {
      out = failed(out, "failed", std::string(e.code()), e.what());
    }
    outcomes.push_back(out);
  }
  record(profile, outcomes);
  return outcomes;
}

}  // namespace certdoctor
