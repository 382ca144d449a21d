// The protocol and the JSON stay exactly what they were: the replies of the real CLI (`diagnose --json`, and the
// readable text) and of the real native host (diagnose, remove, undo, hello, errors) for representative sites are
// compared with replies recorded in tests/data/replies/. Volatile parts are normalised before both the recording
// and the comparison: the temporary folder, the servers' ports, timings, the time of a removal, backup ids, the
// version, and the SHA-256 of freshly made keys' certificates (numbered by first appearance, so that "the same
// certificate" stays visible). Certificates are forged in-process with fixed names, serials and dates.
//
// To record again after an intended change of the output: CERTDOCTOR_RECORD_REPLIES=1 recorded_replies, then review
// the diff of tests/data/replies/ like any other change. A recording run compares nothing, so each of its tests is
// reported as skipped (and fails CI), never as passed.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>

#include "base/build_info.hpp"
#include "forge.hpp"
#include "pki.hpp"
#include "profile.hpp"
#include "servers.hpp"
#include "skip.hpp"

using json = nlohmann::json;
namespace forge = testing::forge;

namespace {

const std::filesystem::path kRecorded = std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "tests/data/replies";

std::string hex_sha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 15];
  }
  return out;
}

// Replaces what differs from run to run with stable names.
class Normaliser {
 public:
  void path(const std::string& p, const std::string& name) { paths_.emplace_back(p, name); }
  void port(int p) { ports_.push_back(p); }

  json tree(const json& j, const std::string& key = "") {
    if (key == "connect_ms" || key == "handshake_ms") return "<ms>";
    if (key == "removed_at") return "<time>";
    if (j.is_object()) {
      json out = json::object();
      for (const auto& [k, v] : j.items()) {
        if (k == "version" && v.is_string() && v.get<std::string>().find('.') != std::string::npos) {
          out[k] = "<version>";  // certdoctor's own version (a certificate's "version" is a number)
        } else {
          out[k] = tree(v, k);
        }
      }
      return out;
    }
    if (j.is_array()) {
      json out = json::array();
      for (const auto& e : j) out.push_back(tree(e));
      return out;
    }
    if (j.is_number_integer()) {
      for (int p : ports_) {
        if (j.get<long long>() == p) return "<port>";
      }
      return j;
    }
    if (j.is_string()) return text(j.get<std::string>());
    return j;
  }

  std::string text(std::string s) {
    for (const auto& [p, name] : paths_) s = replace_all(s, p, name);
    s = numbered(s, std::regex(R"(\d{8}T\d{6}Z-[0-9a-f]{12}(-\d+)?)"), backups_, "backup", false);
    s = numbered(s, std::regex(R"([0-9a-f]{64})"), digests_, "sha256", false);
    s = numbered(s, std::regex(R"([0-9A-F]{2}(:[0-9A-F]{2}){31})"), digests_, "sha256", true);
    for (int p : ports_) s = bounded_replace(s, std::to_string(p), "<port>");
    return s;
  }

 private:
  static std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
      s.replace(at, from.size(), to);
    }
    return s;
  }
  // `from` where it is not part of a longer word or number.
  static std::string bounded_replace(std::string s, const std::string& from, const std::string& to) {
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at)) {
      const bool before = at > 0 && word(s[at - 1]);
      const bool after = at + from.size() < s.size() && word(s[at + from.size()]);
      if (before || after) {
        at += from.size();
        continue;
      }
      s.replace(at, from.size(), to);
      at += to.size();
    }
    return s;
  }
  // Each match becomes <kind-N>, N counted by first appearance; colon fingerprints share the digests' numbers.
  static std::string numbered(const std::string& s, const std::regex& re, std::map<std::string, int>& seen,
                              const std::string& kind, bool fingerprint) {
    std::string out;
    auto last = s.cbegin();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
      out.append(last, s.cbegin() + it->position());
      std::string key = it->str();
      if (fingerprint) {
        std::string hex;
        for (char c : key) {
          if (c != ':') hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        key = hex;
      }
      auto [pos, fresh] = seen.emplace(key, static_cast<int>(seen.size()) + 1);
      out += "<" + kind + "-" + std::to_string(pos->second) + (fingerprint ? "-fingerprint>" : ">");
      last = s.cbegin() + it->position() + it->length();
    }
    out.append(last, s.cend());
    return out;
  }

  std::vector<std::pair<std::string, std::string>> paths_;
  std::vector<int> ports_;
  std::map<std::string, int> backups_, digests_;
};

// Compares `actual` with the recorded file (or records it when asked to).
void matches_recording(const std::string& name, const std::string& actual) {
  const auto file = kRecorded / name;
  const char* record = std::getenv("CERTDOCTOR_RECORD_REPLIES");
  if (record && std::strcmp(record, "1") == 0) {
    std::filesystem::create_directories(kRecorded);
    testing::write_file(file, actual);
    CERTDOCTOR_SKIP("CERTDOCTOR_RECORD_REPLIES=1: recorded " << file.string() << ", compared nothing");
  }
  REQUIRE(std::filesystem::exists(file));
  const std::string expected = testing::read_file(file);
  if (expected != actual) {
    // The first line that differs, for a readable failure.
    std::istringstream e(expected), a(actual);
    std::string el, al;
    int line = 0;
    while (true) {
      ++line;
      const bool more_e = static_cast<bool>(std::getline(e, el));
      const bool more_a = static_cast<bool>(std::getline(a, al));
      if (!more_e && !more_a) break;
      if (el != al || more_e != more_a) {
        FAIL_CHECK(name << " differs from the recording at line " << line << ":\n  recorded: " << el
                        << "\n  now:      " << al);
        break;
      }
    }
  }
  CHECK(expected == actual);
}

// A forged certificate written out as PEM files, as the servers and certutil take them.
testing::Issued save(const forge::Cert& c, const std::filesystem::path& dir, const std::string& name) {
  testing::Issued out{dir / (name + ".pem"), dir / (name + ".key")};
  testing::write_file(out.cert, c.pem());
  testing::write_file(out.key, c.key_pem());
  return out;
}

std::string fingerprint(const testing::Issued& c) {
  std::string hex = hex_sha256(c.der()), out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ':';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
  }
  return out;
}

void write_override(const testing::Profile& profile, const std::string& host_port, const std::string& fp) {
  testing::write_file(profile.dir() / "cert_override.txt",
                      "# PSM Certificate Override Settings file\n# This is a generated file!  Do not edit.\n" +
                          host_port + ":\tOID.2.16.840.1.101.3.4.2.1\t" + fp + "\t\n");
}

const std::vector<std::string> kCa = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"};

std::vector<std::string> leaf_ext(const std::string& host) {
  return {"basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
          "extendedKeyUsage=serverAuth", "subjectAltName=DNS:" + host};
}

// One site: a server on loopback for a host name, a workspace, and a run of the CLI against it.
struct Site {
  testing::TempDir dir;
  std::optional<testing::Profile> profile;
  std::unique_ptr<testing::TlsServer> server;
  std::string host;
  int port = 0;
  Normaliser norm;

  explicit Site(std::string h) : host(std::move(h)) { norm.path(dir.path().string(), "<tmp>"); }

  testing::Profile& with_profile() {
    if (!profile) profile.emplace(dir / "profile");
    return *profile;
  }
  void serve(const testing::Issued& leaf, const std::vector<testing::Issued>& chain = {}) {
    testing::TlsServerOptions o{.cert = leaf.cert, .key = leaf.key};
    if (!chain.empty()) {
      std::string pem;
      for (const auto& c : chain) pem += testing::read_file(c.cert);
      testing::write_file(dir / "chain.pem", pem);
      o.chain = dir / "chain.pem";
    }
    server = std::make_unique<testing::TlsServer>(o);
    port = server->port();
    norm.port(port);
  }
  std::string url() const { return "https://" + host + ":" + std::to_string(port) + "/"; }
  std::string resolve() const { return host + ":" + std::to_string(port) + ":127.0.0.1"; }

  testing::RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), testing::bin("certdoctor").string());
    return testing::run(args, "", {{"HOME", dir.path().string()}, {"XDG_CONFIG_HOME", (dir / ".config").string()}});
  }
  // `certdoctor diagnose URL --json` (with the profile, when there is one), recorded as NAME.json, and the readable
  // form as NAME.txt when asked.
  void diagnose(const std::string& name, std::vector<std::string> extra = {}, bool text = false) {
    std::vector<std::string> args = {"diagnose", url(), "--resolve", resolve()};
    if (profile) args.insert(args.end(), {"--profile", profile->dir().string()});
    args.insert(args.end(), extra.begin(), extra.end());
    auto j = args;
    j.push_back("--json");
    auto r = cli(j);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    matches_recording(name + ".json", norm.tree(json::parse(r.out)).dump(2) + "\n");
    if (text) {
      auto t = cli(args);
      REQUIRE(t.exit_code == 0);
      matches_recording(name + ".txt", norm.text(t.out));
    }
  }
};

struct Ca {
  forge::Cert root = forge::make({.cn = "Recorded Root CA", .ext = kCa, .serial = "0a"}, nullptr);
};

}  // namespace

TEST_CASE("Recorded: a valid chain to a root the profile trusts", "[recorded]") {
  Site s("valid.test");
  Ca ca;
  auto leaf = forge::make({.cn = "valid.test", .ext = leaf_ext("valid.test"), .serial = "1001"}, &ca.root);
  s.with_profile().add(save(ca.root, s.dir.path(), "root"), "Recorded Root CA", "C,,");
  s.serve(save(leaf, s.dir.path(), "leaf"));
  s.diagnose("valid", {}, true);
}

TEST_CASE("Recorded: a device re-made its certificate with its old serial, the profile holds the stale copy",
          "[recorded]") {
  Site s("bmc.test");
  auto old_cert = forge::make({.cn = "bmc.test", .ext = {"subjectAltName=DNS:bmc.test"}, .from = forge::utc(2024, 1, 1),
                               .serial = "01"}, nullptr);
  auto new_cert = forge::make({.cn = "bmc.test", .ext = {"subjectAltName=DNS:bmc.test"}, .from = forge::utc(2025, 6, 1),
                               .serial = "01"}, nullptr);
  s.with_profile().add(save(old_cert, s.dir.path(), "old"), "bmc.test", "P,,");
  s.serve(save(new_cert, s.dir.path(), "new"));
  s.diagnose("reused_serial_stale_copy", {"--reported-error", "SEC_ERROR_REUSED_ISSUER_AND_SERIAL"}, true);
}

TEST_CASE("Recorded: two devices share a factory serial, a CA reused a serial", "[recorded]") {
  Site s("switch-b.test");
  auto other = forge::make({.cn = "Factory Default", .ext = {"subjectAltName=DNS:switch-a.test"}, .serial = "02"},
                           nullptr);
  auto served = forge::make({.cn = "Factory Default", .ext = {"subjectAltName=DNS:switch-b.test"}, .serial = "02"},
                            nullptr);
  s.with_profile().add(save(other, s.dir.path(), "other"), "switch-a", ",,");
  s.serve(save(served, s.dir.path(), "served"));
  s.diagnose("shared_device_serial");

  Site c("app.test");
  Ca ca;
  auto first = forge::make({.cn = "wiki.test", .ext = leaf_ext("wiki.test"), .serial = "01"}, &ca.root);
  auto second = forge::make({.cn = "app.test", .ext = leaf_ext("app.test"), .serial = "01"}, &ca.root);
  c.with_profile().add(save(ca.root, c.dir.path(), "root"), "Recorded Root CA", "C,,");
  c.profile->add(save(first, c.dir.path(), "first"), "wiki.test", ",,");
  c.serve(save(second, c.dir.path(), "second"));
  c.diagnose("ca_serial_reuse");
}

TEST_CASE("Recorded: a stale intermediate, and a stored issuer with the served issuer's name and another key",
          "[recorded]") {
  Site s("inter.test");
  Ca ca;
  auto inter_old = forge::make({.cn = "Recorded Intermediate", .ext = kCa, .serial = "0b"}, &ca.root);
  auto inter_new = forge::make({.cn = "Recorded Intermediate", .ext = kCa, .serial = "0b"}, &ca.root);
  auto leaf = forge::make({.cn = "inter.test", .ext = leaf_ext("inter.test"), .serial = "2002"}, &inter_new);
  s.with_profile().add(save(ca.root, s.dir.path(), "root"), "Recorded Root CA", "C,,");
  s.profile->add(save(inter_old, s.dir.path(), "inter_old"), "Old Intermediate", ",,");
  s.serve(save(leaf, s.dir.path(), "leaf"), {save(inter_new, s.dir.path(), "inter_new")});
  s.diagnose("stale_intermediate");

  Site r("rekeyed.test");
  auto old_root = forge::make({.cn = "Rekeyed Root CA", .ext = kCa, .serial = "0c"}, nullptr);
  auto new_root = forge::make({.cn = "Rekeyed Root CA", .ext = kCa, .serial = "0d"}, nullptr);
  auto leaf2 = forge::make({.cn = "rekeyed.test", .ext = leaf_ext("rekeyed.test"), .serial = "3003"}, &new_root);
  r.with_profile().add(save(old_root, r.dir.path(), "old_root"), "Rekeyed Root CA", "C,,");
  r.serve(save(leaf2, r.dir.path(), "leaf"));
  r.diagnose("stale_issuer", {"--reported-error", "SEC_ERROR_UNKNOWN_ISSUER"});
}

TEST_CASE("Recorded: an expired certificate, an expired intermediate, a name mismatch", "[recorded]") {
  Ca ca;
  Site s("expired.test");
  auto leaf = forge::make({.cn = "expired.test", .ext = leaf_ext("expired.test"), .from = forge::utc(2023, 1, 1),
                           .to = forge::utc(2024, 1, 1), .serial = "4004"}, &ca.root);
  s.with_profile().add(save(ca.root, s.dir.path(), "root"), "Recorded Root CA", "C,,");
  s.serve(save(leaf, s.dir.path(), "leaf"));
  s.diagnose("expired", {}, true);

  Site i("old-inter.test");
  auto inter = forge::make({.cn = "Expired Intermediate", .ext = kCa, .from = forge::utc(2022, 1, 1),
                            .to = forge::utc(2024, 6, 1), .serial = "0e"}, &ca.root);
  auto leaf2 = forge::make({.cn = "old-inter.test", .ext = leaf_ext("old-inter.test"), .serial = "4005"}, &inter);
  i.with_profile().add(save(ca.root, i.dir.path(), "root"), "Recorded Root CA", "C,,");
  i.serve(save(leaf2, i.dir.path(), "leaf"), {save(inter, i.dir.path(), "inter")});
  i.diagnose("expired_intermediate");

  Site n("wrong-name.test");
  auto leaf3 = forge::make({.cn = "right-name.test", .ext = leaf_ext("right-name.test"), .serial = "4006"}, &ca.root);
  n.with_profile().add(save(ca.root, n.dir.path(), "root"), "Recorded Root CA", "C,,");
  n.serve(save(leaf3, n.dir.path(), "leaf"));
  n.diagnose("bad_cert_domain", {"--reported-error", "SSL_ERROR_BAD_CERT_DOMAIN"});
}

TEST_CASE("Recorded: an unknown issuer whose intermediate the server does not send", "[recorded]") {
  Site s("intranet.test");
  Ca ca;
  auto inter = forge::make({.cn = "Missing Intermediate", .ext = kCa, .serial = "0f"}, &ca.root);
  auto ext = leaf_ext("intranet.test");
  ext.push_back("authorityInfoAccess=caIssuers;URI:http://pki.intranet.test/inter.crt");
  auto leaf = forge::make({.cn = "intranet.test", .ext = ext, .serial = "5005"}, &inter);
  s.with_profile();
  s.serve(save(leaf, s.dir.path(), "leaf"));
  s.diagnose("unknown_issuer_missing_intermediate", {"--reported-error", "SEC_ERROR_UNKNOWN_ISSUER"}, true);
}

TEST_CASE("Recorded: a self-signed device with an exception, a stale exception, an HSTS name", "[recorded]") {
  auto device = [](const std::string& host) {
    return forge::make({.cn = host, .ext = {"subjectAltName=DNS:" + host}, .serial = "6006"}, nullptr);
  };
  Site s("printer.test");
  auto cert = save(device("printer.test"), s.dir.path(), "printer");
  s.serve(cert);
  write_override(s.with_profile(), "printer.test:" + std::to_string(s.port), fingerprint(cert));
  s.diagnose("self_signed_exception", {"--reported-error", "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT"});

  Site t("camera.test");
  auto cam = save(device("camera.test"), t.dir.path(), "camera");
  auto old_cam = save(device("camera.test"), t.dir.path(), "old_camera");
  t.serve(cam);
  write_override(t.with_profile(), "camera.test:" + std::to_string(t.port), fingerprint(old_cam));
  t.diagnose("self_signed_stale_exception", {"--reported-error", "SEC_ERROR_UNKNOWN_ISSUER"}, true);

  Site h("router.dev");
  auto router = save(device("router.dev"), h.dir.path(), "router");
  h.serve(router);
  write_override(h.with_profile(), "router.dev:" + std::to_string(h.port), fingerprint(router));
  h.diagnose("self_signed_hsts_preloaded");
}

TEST_CASE("Recorded: an unreachable server, a missing profile, no profile at all", "[recorded]") {
  Site s("down.test");
  s.port = testing::free_port();
  s.norm.port(s.port);
  s.with_profile();
  s.diagnose("unreachable", {}, true);

  Site m("valid.test");
  Ca ca;
  auto leaf = forge::make({.cn = "valid.test", .ext = leaf_ext("valid.test"), .serial = "7007"}, &ca.root);
  m.serve(save(leaf, m.dir.path(), "leaf"));
  m.diagnose("profile_missing", {"--profile", (m.dir / "no-such-profile").string()});
  m.diagnose("profile_not_found");
}

TEST_CASE("Recorded: the host's replies to hello, diagnose, remove, undo and bad requests", "[recorded][host]") {
  Site s("bmc.test");
  auto old_cert = forge::make({.cn = "bmc.test", .ext = {"subjectAltName=DNS:bmc.test"}, .serial = "01"}, nullptr);
  auto new_cert = forge::make({.cn = "bmc.test", .ext = {"subjectAltName=DNS:bmc.test"}, .from = forge::utc(2025, 6, 1),
                               .serial = "01"}, nullptr);
  auto old_saved = save(old_cert, s.dir.path(), "old");
  s.with_profile().add(old_saved, "bmc.test", "P,,");
  s.serve(save(new_cert, s.dir.path(), "new"));
  const std::string stale = hex_sha256(old_saved.der());

  std::vector<json> requests = {
      {{"id", 1}, {"type", "hello"}},
      {{"id", 2}, {"type", "diagnose"}, {"url", s.url()}, {"reported_code", -8054}},
      {{"id", 3}, {"type", "remove"}, {"sha256", std::string(64, 'a')}},
      {{"id", 4}, {"type", "remove"}, {"sha256", stale}, {"url", s.url()}, {"profile", s.profile->dir().string()}},
      {{"id", 5}, {"type", "diagnose"}, {"url", s.url()}},
      {{"id", 6}, {"type", "undo"}, {"list", true}},
      {{"id", 7}, {"type", "undo"}},
      {{"id", 8}, {"type", "undo"}},
      {{"id", 9}, {"type", "diagnose"}, {"url", "http://plain.test/"}},
      {{"id", 10}, {"type", "remove"}, {"sha256", "not hex"}},
      {{"id", 11}, {"type", "frobnicate"}},
  };
  std::string input;
  for (const auto& r : requests) {
    const std::string payload = r.dump();
    std::uint32_t n = static_cast<std::uint32_t>(payload.size());
    input.append(reinterpret_cast<const char*>(&n), 4);
    input += payload;
  }
  const auto manifest = std::filesystem::path(CERTDOCTOR_BIN_DIR).parent_path() / "manifests/certdoctor.json";
  auto r = testing::run({testing::bin("certdoctor-host").string(), manifest.string(), std::string(certdoctor::build::extension_id)}, input,
                        {{"HOME", s.dir.path().string()},
                         {"CERTDOCTOR_PROFILE", s.profile->dir().string()},
                         {"CERTDOCTOR_RESOLVE", s.resolve()}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  json replies = json::array();
  for (std::size_t at = 0; at + 4 <= r.out.size();) {
    std::uint32_t n = 0;
    std::memcpy(&n, r.out.data() + at, 4);
    replies.push_back(json::parse(r.out.substr(at + 4, n)));
    at += 4 + n;
  }
  REQUIRE(replies.size() == requests.size());
  matches_recording("host_session.json", s.norm.tree(replies).dump(2) + "\n");
}
