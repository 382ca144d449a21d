#include "protocol/protocol.hpp"

#include <map>

#include "base/build_info.hpp"
#include "diagnosis/diagnose.hpp"
#include "diagnosis/diagnosis_json.hpp"
#include "diagnosis/error_table.hpp"
#include "profile/nss_store.hpp"
#include "profile/removal.hpp"
#include "protocol/open_separately.hpp"
#include "protocol/policy_remove.hpp"
#include "base/request_error.hpp"

namespace certdoctor {

using json = nlohmann::json;

json ok_reply(const json& id, json result) {
  return {{"id", id}, {"ok", true}, {"result", std::move(result)}};
}

json error_reply(const json& id, std::string_view code, std::string_view message) {
  return {{"id", id}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

namespace {

// Field access that names the offending field when the type is wrong.
const json* field(const json& req, const char* key) {
  auto it = req.find(key);
  return it == req.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> opt_string(const json& req, const char* key) {
  const json* v = field(req, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw RequestError("invalid_field", std::string("'") + key + "' must be a string");
  return v->get<std::string>();
}

std::vector<std::string> opt_strings(const json& req, const char* key) {
  const json* v = field(req, key);
  std::vector<std::string> out;
  if (!v) return out;
  if (!v->is_array()) throw RequestError("invalid_field", std::string("'") + key + "' must be an array of strings");
  for (const auto& e : *v) {
    if (!e.is_string()) throw RequestError("invalid_field", std::string("'") + key + "' must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

json handle_hello(const json&, const HostContext& ctx) {
  return {{"name", build::host_name},
          {"version", build::version},
          {"protocol", kProtocolVersion},
          {"capabilities", {"diagnose", "remove", "undo", "open_separately", "policy_remove"}},
          {"max_reply_bytes", kMaxReplyBytes},
          {"caller", ctx.caller}};
}

}  // namespace

DiagnoseRequest diagnose_request(const json& req, const HostContext& ctx) {
  DiagnoseRequest r;
  auto url = opt_string(req, "url");
  if (!url) throw RequestError("invalid_field", "'url' is required: the https URL of the page that failed");
  r.url = *url;
  // "error" is the name the design notes first used; "reported_error" is the canonical one.
  r.reported_error = opt_string(req, "reported_error");
  if (!r.reported_error) r.reported_error = opt_string(req, "error");
  // The extension passes the number webNavigation gave it; the error table names it.
  if (const json* code = field(req, "reported_code"); code && !r.reported_error) {
    if (!code->is_number_integer()) throw RequestError("invalid_field", "'reported_code' must be an integer");
    if (const ErrorRow* row = find_error_row(code->get<int>())) r.reported_error = std::string(row->code);
  }
  r.proxy = opt_string(req, "proxy");
  r.compare = opt_strings(req, "compare");
  r.resolve = opt_strings(req, "resolve");
  r.resolve.insert(r.resolve.end(), ctx.resolve.begin(), ctx.resolve.end());
  r.profile.explicit_dir = ctx.profile_dir;
  r.profile.browser_pid = ctx.browser_pid;
  r.profile.home = ctx.home;
  return r;
}

namespace {

json handle_diagnose(const json& req, const HostContext& ctx) { return to_json(diagnose(diagnose_request(req, ctx))); }

// The profile a remove/undo acts on: the same one diagnose reports, and, when the request names the profile
// it showed the user ("profile"), exactly that one.
std::filesystem::path acting_profile(const json& req, const HostContext& ctx) {
  ProfileChoice choice = choose_profile({ctx.profile_dir, ctx.browser_pid, ctx.home});
  if (!choice.dir) throw RequestError("profile_not_found", "no Firefox profile could be identified for this browser");
  if (auto expected = opt_string(req, "profile"); expected && *expected != choice.dir->string()) {
    throw RequestError("profile_mismatch", "the request names the profile " + *expected + ", but this browser's is " +
                                               choice.dir->string());
  }
  return *choice.dir;
}

json handle_remove(const json& req, const HostContext& ctx) {
  // Everything in the request is checked before the profile is touched: once the certificate is gone, the
  // reply must say so (with the backup id), whatever happens afterwards.
  RemoveRequest r;
  auto sha = opt_string(req, "sha256");
  if (!sha) throw RequestError("invalid_field", "'sha256' is required: the certificate to remove");
  r.sha256 = normalize_sha256(*sha);
  r.url = opt_string(req, "url");
  if (const json* allow = field(req, "allow_trusted")) {
    if (!allow->is_boolean()) throw RequestError("invalid_field", "'allow_trusted' must be true or false");
    r.allow_trusted = allow->get<bool>();
  }
  std::optional<AfterCheck> after;
  if (r.url) {
    after = AfterCheck{*r.url, opt_strings(req, "resolve"), opt_string(req, "proxy")};
    after->resolve.insert(after->resolve.end(), ctx.resolve.begin(), ctx.resolve.end());
    validate_after_check(*after);
  }
  r.profile = acting_profile(req, ctx);
  json result = remove_certificate(r);
  result["profile"] = r.profile.string();
  // With the page's URL, say what Firefox shows now (the extension reloads the tab and shows this).
  if (after) result["after"] = verdict_after(*after, r.profile);
  return result;
}

json handle_undo(const json& req, const HostContext& ctx) {
  auto profile = acting_profile(req, ctx);
  const json* list = field(req, "list");
  if (list && !list->is_boolean()) throw RequestError("invalid_field", "'list' must be true or false");
  if (list && list->get<bool>()) {
    return {{"backups", list_backups(profile)}, {"profile", profile.string()}};
  }
  json result = undo_removal(profile, opt_string(req, "backup_id"));
  result["profile"] = profile.string();
  return result;
}

// The administrator's list (the managed option remove_certificates), for this browser's profile: each row removed
// as a user's removal would be, every outcome recorded in the profile (protocol/policy_remove.hpp).
json handle_policy_remove(const json& req, const HostContext& ctx) {
  const json* rows = field(req, "certificates");
  if (!rows) throw RequestError("invalid_field", "'certificates' is required: the policy's list");
  const auto profile = acting_profile(req, ctx);
  return {{"profile", profile.string()}, {"outcomes", remove_by_policy(profile, *rows)}};
}

struct Route {
  std::string_view type;
  json (*handler)(const json&, const HostContext&);
};

constexpr Route kRoutes[] = {
    {"hello", handle_hello},
    {"diagnose", handle_diagnose},
    {"remove", handle_remove},
    {"undo", handle_undo},
    {"open_separately", handle_open_separately},
    {"policy_remove", handle_policy_remove},
};

}  // namespace

json handle_message(std::string_view payload, const HostContext& ctx) {
  json req = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded()) return error_reply(nullptr, "invalid_json", "the message is not valid UTF-8 JSON");
  if (!req.is_object()) return error_reply(nullptr, "invalid_request", "a request must be a JSON object");

  json id = nullptr;
  if (auto it = req.find("id"); it != req.end()) {
    if (!it->is_string() && !it->is_number()) {
      return error_reply(nullptr, "invalid_field", "'id' must be a string or a number");
    }
    id = *it;
  }
  if (!ctx.caller_allowed) {
    return error_reply(id, "caller_not_allowed",
                       "this host serves only the certdoctor extension, not '" + ctx.caller + "'");
  }
  auto type = req.find("type");
  if (type == req.end()) return error_reply(id, "invalid_request", "'type' is missing");
  if (!type->is_string()) return error_reply(id, "invalid_field", "'type' must be a string");

  for (const auto& route : kRoutes) {
    if (route.type != type->get<std::string>()) continue;
    try {
      return ok_reply(id, route.handler(req, ctx));
    } catch (const RequestError& e) {
      return error_reply(id, e.code(), e.what());
    } catch (const StoreError& e) {
      return error_reply(id, e.code(), e.what());
    } catch (const std::exception& e) {
      return error_reply(id, "internal_error", e.what());
    }
  }
  return error_reply(id, "unknown_type", "unknown message type '" + type->get<std::string>().substr(0, 100) + "'");
}

json frame_error_reply(FrameStatus status, std::uint64_t declared_length) {
  if (status == FrameStatus::too_large) {
    return error_reply(nullptr, "frame_too_large",
                       "a request of " + std::to_string(declared_length) + " bytes exceeds the limit of " +
                           std::to_string(kMaxRequestBytes));
  }
  return error_reply(nullptr, "frame_truncated", "the input ended inside a message");
}

namespace {

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// The largest array (by serialised size) under `node`, with more than one element.
void largest_array(const json& node, const json::json_pointer& at, json::json_pointer& best, std::size_t& best_size) {
  if (node.is_array() && node.size() > 1) {
    std::size_t size = dump(node).size();
    if (size > best_size) {
      best_size = size;
      best = at;
    }
  }
  if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) largest_array(node[i], at / i, best, best_size);
  } else if (node.is_object()) {
    for (const auto& [k, v] : node.items()) largest_array(v, at / k, best, best_size);
  }
}

}  // namespace

std::string encode_reply(json reply, std::size_t limit) {
  std::string out = dump(reply);
  if (out.size() <= limit) return out;
  std::map<std::string, std::size_t> totals;
  while (out.size() > limit && reply.contains("result")) {
    json::json_pointer best;
    std::size_t best_size = 0;
    largest_array(reply["result"], json::json_pointer("/result"), best, best_size);
    if (best_size == 0) break;
    json& arr = reply[best];
    totals.emplace(best.to_string(), arr.size());
    arr.erase(arr.begin() + static_cast<std::ptrdiff_t>(arr.size() / 2), arr.end());
    reply["truncated"] = true;
    json omitted = json::array();
    for (const auto& [path, total] : totals) {
      json::json_pointer ptr(path);
      std::size_t kept = reply.contains(ptr) ? reply[ptr].size() : 0;  // a parent array may have been cut too
      omitted.push_back({{"path", path}, {"kept", kept}, {"total", total}});
    }
    reply["omitted"] = omitted;
    out = dump(reply);
  }
  if (out.size() > limit) {
    out = dump(error_reply(reply.value("id", json()), "reply_too_large",
                           "the answer does not fit in a native message even when cut; use the certdoctor CLI"));
  }
  return out;
}

}  // namespace certdoctor
