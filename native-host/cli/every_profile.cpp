#include "every_profile.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "audit/progress.hpp"
#include "base/request_error.hpp"
#include "base/text.hpp"
#include "profile/profile_access.hpp"
#include "profile/profile_list.hpp"
#include "profile/removal.hpp"
#include "profile/store_error.hpp"

namespace certdoctor {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct LocalUser {
  std::string name;
  uid_t uid = 0;
  fs::path home;
};

// Only looked at (lstat), never read: whether Firefox keeps profiles in this home.
bool has_profile_folder(const fs::path& home) {
  if (home.empty() || !home.is_absolute()) return false;
  for (const auto& root : profile_roots_for(Platform::linux, home)) {
    struct stat st {};
    if (::lstat(root.dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return true;
  }
  return false;
}

LocalUser from_passwd(const struct passwd& pw) { return {pw.pw_name, pw.pw_uid, pw.pw_dir ? pw.pw_dir : ""}; }

// As root: every user of the system's user database whose home holds a Firefox profile folder, or the users
// named. As a user: that user alone.
std::vector<LocalUser> local_users(const std::vector<std::string>& only) {
  std::vector<LocalUser> users;
  if (::geteuid() != 0) {
    const struct passwd* pw = ::getpwuid(::geteuid());
    if (!pw) throw RequestError("internal_error", "this user (id " + std::to_string(::geteuid()) + ") has no entry in the user database");
    if (!only.empty() && (only.size() > 1 || only.front() != pw->pw_name)) {
      throw RequestError("invalid_field", "--user names another user: only root acts on other users' profiles");
    }
    users.push_back(from_passwd(*pw));
    return users;
  }
  if (!only.empty()) {
    for (const auto& name : only) {
      const struct passwd* pw = ::getpwnam(name.c_str());
      if (!pw) throw RequestError("invalid_field", "--user " + name + ": no such user");
      users.push_back(from_passwd(*pw));
    }
    return users;
  }
  std::set<uid_t> seen;
  ::setpwent();
  while (const struct passwd* pw = ::getpwent()) {
    if (seen.insert(pw->pw_uid).second && has_profile_folder(pw->pw_dir ? pw->pw_dir : "")) users.push_back(from_passwd(*pw));
  }
  ::endpwent();
  return users;
}

void write_line(int fd, const json& j) {
  const std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

json failure(json base, const std::string& code, const std::string& message) {
  base["outcome"] = "failed";
  base["error"] = {{"code", code}, {"message", message}};
  return base;
}

// Runs `body` in a child process that writes JSON lines to a pipe; each line is handed to `line` as it comes. A
// child that ends without saying anything (a crash) is reported through `silent` with how it ended.
void in_child(const std::function<void(int fd)>& body, const std::function<void(const json&)>& line,
              const std::function<void(const std::string& how)>& silent) {
  int fds[2];
  if (::pipe(fds) != 0) throw RequestError("internal_error", "cannot create a pipe");
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) throw RequestError("internal_error", "cannot start a process");
  if (pid == 0) {
    ::close(fds[0]);
    try {
      body(fds[1]);
    } catch (...) {
    }
    std::_Exit(0);  // never the parent's atexit handlers or buffers
  }
  ::close(fds[1]);
  std::string buffer;
  char chunk[4096];
  bool said = false;
  for (;;) {
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<std::size_t>(n));
    for (std::size_t end; (end = buffer.find('\n')) != std::string::npos; buffer.erase(0, end + 1)) {
      line(json::parse(buffer.substr(0, end), nullptr, false));
      said = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!said) {
    silent(WIFSIGNALED(status) ? "stopped by signal " + std::to_string(WTERMSIG(status))
                               : "ended with status " + std::to_string(WEXITSTATUS(status)) + " without a report");
  }
}

// One profile, in a process of its own (a fresh NSS, as for `certdoctor remove --profile`).
json remove_here(const ListedProfile& p, const EveryProfileRequest& r, const json& base) {
  json out = base;
  try {
    json removed = remove_certificate({p.path, r.sha256, r.allow_trusted, std::nullopt});
    out["outcome"] = "removed";
    out["backup_id"] = removed.at("backup_id");
    out["removed"] = removed.at("removed");
  } catch (const RequestError& e) {
    if (e.code() == "not_found") {
      out["outcome"] = "not_stored";
    } else {
      out = failure(base, e.code(), e.what());
    }
  } catch (const StoreError& e) {
    out = failure(base, std::string(e.code()), e.what());
  } catch (const std::exception& e) {
    out = failure(base, "internal_error", e.what());
  }
  return out;
}

// In the user's child: become the user (only when the home is theirs), list their profiles, and remove from each.
void user_body(const LocalUser& u, const EveryProfileRequest& r, int fd) {
  const json who = {{"user", u.name}, {"uid", u.uid}};
  try {
    if (::geteuid() == 0 && u.uid != 0) {
      // The change of identity a removal makes on a profile (profile/profile_access.hpp), made on the home: its
      // owner is who this process becomes, for good, before anything in it is read.
      const ProfileAccess home = enter_profile(u.home);
      if (home.owner != u.uid || ::geteuid() != u.uid) {
        throw RequestError("unsafe_profile", "the home folder " + u.home.string() + " belongs to user id " +
                                                 std::to_string(home.owner) + ", not to " + u.name +
                                                 "; its profiles are left alone");
      }
    }
    const auto profiles = list_profiles(profile_roots_for(Platform::linux, u.home));
    if (profiles.empty()) {
      json none = who;
      none["outcome"] = "no_profiles";
      write_line(fd, none);
    }
    for (const auto& p : profiles) {
      json base = who;
      base["profile"] = p.path.string();
      if (!p.has_cert_db) {
        base["outcome"] = "no_certificate_db";
        write_line(fd, base);
        continue;
      }
      in_child([&](int inner) { write_line(inner, remove_here(p, r, base)); },
               [&](const json& line) { write_line(fd, line); },
               [&](const std::string& how) { write_line(fd, failure(base, "internal_error", "the removal " + how)); });
    }
  } catch (const RequestError& e) {
    write_line(fd, failure(who, e.code(), e.what()));
  } catch (const StoreError& e) {
    write_line(fd, failure(who, std::string(e.code()), e.what()));
  } catch (const std::exception& e) {
    write_line(fd, failure(who, "internal_error", e.what()));
  }
}

std::string outcome_words(const json& p) {
  const std::string outcome = p.value("outcome", "");
  if (outcome == "removed") return "removed";
  if (outcome == "not_stored") return "not stored";
  if (outcome == "no_certificate_db") return "no cert9.db";
  if (outcome == "no_profiles") return "no profiles";
  return "failed";
}

}  // namespace

int remove_from_every_profile(const EveryProfileRequest& request) {
  EveryProfileRequest r = request;
  r.sha256 = normalize_sha256(r.sha256);  // a bad hash stops here, before any profile is touched
  const std::vector<LocalUser> users = local_users(r.users);
  audit::Progress progress(std::cerr, audit::Progress::stderr_is_terminal(), "certdoctor remove: ");
  json profiles = json::array();
  std::size_t done = 0;
  for (const auto& u : users) {
    const json who = {{"user", u.name}, {"uid", u.uid}};
    progress.update("users:", done, users.size());
    in_child([&](int fd) { user_body(u, r, fd); }, [&](const json& line) { profiles.push_back(line); },
             [&](const std::string& how) { profiles.push_back(failure(who, "internal_error", "the run as " + u.name + " " + how)); });
    ++done;
  }
  progress.finish("users checked:", users.size());

  std::size_t removed = 0, failed = 0, not_stored = 0;
  for (const auto& p : profiles) {
    const std::string outcome = p.value("outcome", "");
    removed += outcome == "removed";
    not_stored += outcome == "not_stored";
    failed += outcome == "failed";
  }
  const int exit_code = failed ? 1 : 0;
  if (request.as_json) {
    json out = {{"sha256", r.sha256}, {"users", users.size()}, {"profiles", profiles},
                {"summary", {{"removed", removed}, {"not_stored", not_stored}, {"failed", failed}}},
                {"exit_code", exit_code}};
    std::cout << inert_json(out.dump(2, ' ', false, json::error_handler_t::replace)) << "\n";
    return exit_code;
  }
  for (const auto& p : profiles) {
    std::cout << outcome_words(p) << "  " << printable(p.value("user", "")) << "  "
              << printable(p.contains("profile") ? p.value("profile", "") : "(no profile reached)");
    if (p.value("outcome", "") == "removed") {
      std::cout << "  backup " << printable(p.value("backup_id", "")) << "; undo: certdoctor undo --profile "
                << shell_quote(p.value("profile", "")) << " " << printable(p.value("backup_id", ""));
    } else if (p.contains("error")) {
      std::cout << "  " << printable(p["error"].value("code", "")) << ": " << printable(p["error"].value("message", ""));
    }
    std::cout << "\n";
  }
  std::cout << "Removed from " << removed << " profile(s), not stored in " << not_stored << ", failed in " << failed
            << " (" << profiles.size() << " profile(s) of " << users.size() << " user(s))\n";
  return exit_code;
}

}  // namespace certdoctor
