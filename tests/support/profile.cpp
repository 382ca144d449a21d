#include "profile.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

#include "process.hpp"

namespace testing {

Profile::Profile(std::filesystem::path dir) : dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  run_ok({"certutil", "-N", "-d", db(), "--empty-password"});
}

void Profile::add(const Issued& cert, const std::string& nickname, const std::string& trust) {
  run_ok({"certutil", "-A", "-d", db(), "-n", nickname, "-t", trust, "-i", cert.cert.string()});
}

void Profile::add_as_firefox(const Issued& cert, const std::string& nickname, const std::string& trust) {
  run_ok({std::string(CERTDOCTOR_BIN_DIR) + "/firefox-certdb", dir_.string(), "add", cert.cert.string(), nickname, trust});
}

std::string Profile::firefox_trust_of(const std::string& nickname) const {
  std::istringstream in(run_ok({std::string(CERTDOCTOR_BIN_DIR) + "/firefox-certdb", dir_.string(), "list"}));
  for (std::string line; std::getline(in, line);) {
    auto tab = line.find('\t');
    if (tab != std::string::npos && line.substr(0, tab) == nickname) return line.substr(tab + 1);
  }
  return "(not listed)";
}

void Profile::add_with_key(const Issued& cert, const std::string& nickname) {
  auto p12 = dir_ / "import.p12";
  run_ok({"openssl", "pkcs12", "-export", "-in", cert.cert.string(), "-inkey", cert.key.string(), "-name",
          nickname, "-passout", "pass:x", "-out", p12.string()});
  run_ok({"pk12util", "-i", p12.string(), "-d", db(), "-W", "x", "-K", ""});
  std::filesystem::remove(p12);
}

std::string Profile::list() const { return run_ok({"certutil", "-L", "-d", db()}); }

std::string Profile::trust_of(const std::string& nickname) const {
  std::istringstream in(list());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(nickname, 0) == 0) {
      auto end = line.find_last_not_of(' ');
      auto start = line.find_last_of(' ', end);
      return line.substr(start + 1, end - start);
    }
  }
  return "(not listed)";
}

namespace {

// The base64 bodies of every PEM block in `text`, whitespace removed.
std::vector<std::string> pem_bodies(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = text.find("-----BEGIN", at)) != std::string::npos) {
    std::size_t start = text.find('\n', at);
    std::size_t end = text.find("-----END", start);
    if (start == std::string::npos || end == std::string::npos) break;
    std::string body;
    for (char c : text.substr(start, end - start)) {
      if (!std::isspace(static_cast<unsigned char>(c))) body += c;
    }
    out.push_back(body);
    at = end + 8;
  }
  return out;
}

}  // namespace

bool Profile::holds(const Issued& cert) const {
  // Compare DER, not names: certutil -L -n NICK -a prints every certificate carrying that nickname.
  const std::string want = pem_bodies(read_file(cert.cert)).at(0);
  std::istringstream in(list());
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 62 || line.find(',') == std::string::npos) continue;
    std::string nick = line.substr(0, line.find_last_not_of(' ', 60) + 1);
    for (const auto& body : pem_bodies(run({"certutil", "-L", "-d", db(), "-n", nick, "-a"}).out)) {
      if (body == want) return true;
    }
  }
  return false;
}

std::vector<std::string> sorted_lines(const std::string& listing) {
  std::vector<std::string> lines;
  std::istringstream in(listing);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace testing
