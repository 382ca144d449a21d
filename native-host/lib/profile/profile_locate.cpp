#include "profile/profile_locate.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "profile/ini.hpp"
#include "profile/profile_list.hpp"

namespace certdoctor {
namespace fs = std::filesystem;

namespace {

std::string read_small_file(const fs::path& p, std::size_t limit = 1 << 20) {
  std::ifstream in(p, std::ios::binary);
  std::string data(limit, '\0');
  in.read(data.data(), static_cast<std::streamsize>(limit));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

bool has_cert_db(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "cert9.db", ec);
}

fs::path resolve_entry(const fs::path& root, const std::string& path, bool relative) {
  return relative ? root / path : fs::path(path);
}

}  // namespace

fs::path current_home() {
  if (const char* h = std::getenv("HOME"); h && *h) return h;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) return pw->pw_dir;
  return "/";
}

std::vector<fs::path> profile_roots(const fs::path& home) {
  std::vector<fs::path> out;
  for (const auto& r : profile_roots_for(Platform::linux, home)) out.push_back(r.dir);
  return out;
}

std::optional<fs::path> default_profile(const fs::path& root) {
  // Since Firefox 67 each installation has its own default (installs.ini, profiles.ini's [Install...]
  // sections); the older Default=1 flag is the fallback.
  for (const auto& [id, p] : install_defaults(root)) {
    if (has_cert_db(p)) return p;
  }
  auto profiles = read_ini(root / "profiles.ini");
  std::optional<fs::path> only;
  int count = 0;
  for (const auto& s : profiles) {
    if (!s.name.starts_with("Profile") || s.get("Path").empty()) continue;
    fs::path p = resolve_entry(root, s.get("Path"), s.get("IsRelative") != "0");
    if (s.get("Default") == "1" && has_cert_db(p)) return p;
    if (has_cert_db(p)) {
      only = p;
      ++count;
    }
  }
  if (count == 1) return only;
  return std::nullopt;
}

std::optional<fs::path> profile_of_process(int pid) {
  const fs::path proc = fs::path("/proc") / std::to_string(pid);
  std::error_code ec;
  for (fs::directory_iterator it(proc / "fd", ec), end; !ec && it != end; it.increment(ec)) {
    fs::path target = fs::read_symlink(it->path(), ec);
    if (!ec && target.filename() == "cert9.db") return target.parent_path();
    ec.clear();
  }
  std::string cmdline = read_small_file(proc / "cmdline");
  std::vector<std::string> args;
  std::stringstream ss(cmdline);
  for (std::string arg; std::getline(ss, arg, '\0');) args.push_back(arg);
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--profile" || args[i] == "-profile") return fs::path(args[i + 1]);
  }
  return std::nullopt;
}

ProfileChoice choose_profile(const ProfileQuery& q) {
  ProfileChoice c;
  if (q.explicit_dir) {
    c.source = "argument";
    c.reason = "it was named explicitly";
    std::error_code ec;
    if (!fs::is_directory(*q.explicit_dir, ec)) {
      c.problem = Finding{Condition::profile_unusable, {{"path", q.explicit_dir->string()}, {"detail", "no such folder"}}};
    } else if (!has_cert_db(*q.explicit_dir)) {
      c.problem = Finding{Condition::profile_unusable,
                          {{"path", q.explicit_dir->string()}, {"detail", "the folder holds no cert9.db"}}};
    } else if (::access((*q.explicit_dir / "cert9.db").c_str(), R_OK) != 0) {
      c.problem = Finding{Condition::profile_unusable,
                          {{"path", q.explicit_dir->string()}, {"detail", "cert9.db is not readable by this user"}}};
    } else {
      c.dir = *q.explicit_dir;
    }
    return c;
  }
  if (q.browser_pid) {
    if (auto p = profile_of_process(*q.browser_pid); p && has_cert_db(*p)) {
      c.dir = p;
      c.source = "parent process";
      c.reason = "it is the profile the Firefox that started certdoctor has open";
      return c;
    }
  }
  // A running Firefox holds its profile's lock (Linux: a symlink naming its PID). When the parent is not
  // Firefox (Snap and Flatpak start the host through a portal), the one profile in use is the best guess.
  std::vector<ListedProfile> running;
  for (auto& p : list_profiles(profile_roots_for(Platform::linux, q.home))) {
    if (p.running_pid && p.has_cert_db) running.push_back(std::move(p));
  }
  if (running.size() == 1) {
    c.dir = running[0].path;
    c.source = "lock";
    c.reason = "it is the only profile a running Firefox holds (process " + std::to_string(*running[0].running_pid) +
               "), in " + running[0].root.dir.string();
    return c;
  }
  std::vector<std::string> searched;
  for (const auto& root : profile_roots(q.home)) {
    searched.push_back(root.string());
    if (auto p = default_profile(root)) {
      c.dir = p;
      c.source = "profiles.ini";
      c.reason = "it is the default profile in " + root.string();
      return c;
    }
  }
  c.problem = Finding{Condition::profile_not_found, {{"searched", searched}}};
  return c;
}

}  // namespace certdoctor
