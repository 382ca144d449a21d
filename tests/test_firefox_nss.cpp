// Which NSS reads a profile (profile/firefox_nss): the files of an installation in load order, and the order in
// which installations are asked. Linux loads for real (the Store and trust-format tests); macOS and Windows
// installations cannot run here, so their layouts are checked on fake trees of empty files laid out as those
// systems ship Firefox: libraries in Firefox.app/Contents/MacOS, softokn3.dll next to firefox.exe.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

#include "process.hpp"
#include "profile/firefox_nss.hpp"
#include "profile/nss_store.hpp"
#include "rollout/rollout.hpp"

using namespace certdoctor;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// An empty file, its folders made (returns nothing: the layout, not the content, is what is checked).
void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  testing::write_file(p, "");
}

// A profile folder, with a compatibility.ini naming `platform_dir` when it is given.
fs::path profile_in(const testing::TempDir& t, const std::string& platform_dir = "") {
  const fs::path p = t / "profile";
  fs::create_directories(p);
  if (!platform_dir.empty()) testing::write_file(p / "compatibility.ini", "[Compatibility]\nLastPlatformDir=" + platform_dir + "\n");
  return p;
}

// What the process was told (--firefox, the host's parent) is process-wide: each test that sets it clears it.
struct OwningFirefox {
  OwningFirefox(const fs::path& dir, NssSource s) { set_owning_firefox(dir, s); }
  ~OwningFirefox() { set_owning_firefox({}, NssSource::system); }
};

}  // namespace

TEST_CASE("Firefox NSS: Linux loads the utility and SQLite libraries first, then the softoken", "[firefox_nss]") {
  testing::TempDir t;
  const fs::path fx = t / "usr/lib/firefox-esr";
  for (const char* f : {"libsoftokn3.so", "libmozsqlite3.so", "libnssutil3.so", "libnss3.so", "libfreeblpriv3.so"}) touch(fx / f);
  auto l = nss_libraries_in(fx, Platform::linux);
  REQUIRE(l);
  CHECK(l->install_dir == fx);
  CHECK(l->prerequisites == std::vector<fs::path>{fx / "libnssutil3.so", fx / "libmozsqlite3.so"});
  CHECK(l->softoken == fx / "libsoftokn3.so");
  CHECK_FALSE(l->system());

  SECTION("a build that folds NSS into libnss3 loads that first") {
    fs::remove(fx / "libnssutil3.so");
    fs::remove(fx / "libmozsqlite3.so");
    auto folded = nss_libraries_in(fx, Platform::linux);
    REQUIRE(folded);
    CHECK(folded->prerequisites == std::vector<fs::path>{fx / "libnss3.so"});
  }
  SECTION("a folder without a softoken is no installation") {
    fs::remove(fx / "libsoftokn3.so");
    CHECK_FALSE(nss_libraries_in(fx, Platform::linux));
  }
}

TEST_CASE("Firefox NSS: macOS loads from the app bundle's Contents/MacOS, named by the bundle or by compatibility.ini",
          "[firefox_nss]") {
  testing::TempDir t;
  const fs::path app = t / "Applications/Firefox.app";
  const fs::path macos = app / "Contents/MacOS";
  for (const char* f : {"libsoftokn3.dylib", "libmozglue.dylib", "libnss3.dylib", "libfreebl3.dylib", "firefox"}) touch(macos / f);
  fs::create_directories(app / "Contents/Resources");
  const std::vector<fs::path> order = {macos / "libmozglue.dylib", macos / "libnss3.dylib"};
  for (const fs::path& named : {app, app / "Contents/Resources", macos}) {
    INFO(named);
    auto l = nss_libraries_in(named, Platform::macos);
    REQUIRE(l);
    CHECK(l->install_dir == macos);
    CHECK(l->prerequisites == order);
    CHECK(l->softoken == macos / "libsoftokn3.dylib");
  }
  CHECK_FALSE(nss_libraries_in(app, Platform::linux));  // a Linux reader does not take a .dylib

  // compatibility.ini on a Mac names Contents/Resources.
  testing::TempDir p;
  auto chosen = choose_profile_nss(profile_in(p, (app / "Contents/Resources").string()), Platform::macos, t.path());
  CHECK(chosen.source == NssSource::compatibility_ini);
  CHECK(chosen.libraries.install_dir == macos);
  // Without it, the known location /Applications/Firefox.app under the tree's root.
  testing::TempDir q;
  auto known = choose_profile_nss(profile_in(q), Platform::macos, t.path());
  CHECK(known.source == NssSource::known_location);
  CHECK(known.libraries.softoken == macos / "libsoftokn3.dylib");
}

TEST_CASE("Firefox NSS: Windows loads mozglue.dll and nss3.dll from the install folder, then softokn3.dll", "[firefox_nss]") {
  testing::TempDir t;
  const fs::path fx = t / "Program Files/Mozilla Firefox";
  for (const char* f : {"softokn3.dll", "nss3.dll", "mozglue.dll", "freebl3.dll", "firefox.exe"}) touch(fx / f);
  auto l = nss_libraries_in(fx, Platform::windows);
  REQUIRE(l);
  CHECK(l->prerequisites == std::vector<fs::path>{fx / "mozglue.dll", fx / "nss3.dll"});
  CHECK(l->softoken == fx / "softokn3.dll");
  testing::TempDir p;
  auto known = choose_profile_nss(profile_in(p), Platform::windows, t.path());
  CHECK(known.source == NssSource::known_location);
  CHECK(known.libraries.install_dir == fx);
  // Only the release folder exists: the other known folders (Developer Edition, Nightly, x86) are passed over.
  CHECK(known_install_dirs(Platform::windows, t.path()).size() > 1);
}

TEST_CASE("Firefox NSS: the owning installation is asked first, then compatibility.ini, the known locations, the system's",
          "[firefox_nss]") {
  // A Linux tree with the ESR and the release installed, and a Firefox of its own elsewhere.
  testing::TempDir t;
  for (const char* dir : {"usr/lib/firefox-esr", "usr/lib/firefox", "opt/own-firefox"}) {
    for (const char* f : {"libsoftokn3.so", "libnssutil3.so", "libmozsqlite3.so"}) touch(t / dir / f);
  }
  const fs::path esr = t / "usr/lib/firefox-esr", release = t / "usr/lib/firefox", own = t / "opt/own-firefox";
  testing::TempDir p;
  const fs::path profile = profile_in(p, release.string());

  SECTION("compatibility.ini before the known locations") {
    auto n = choose_profile_nss(profile, Platform::linux, t.path());
    CHECK(n.source == NssSource::compatibility_ini);
    CHECK(n.libraries.install_dir == release);
  }
  SECTION("the host's parent Firefox before compatibility.ini") {
    OwningFirefox told(own, NssSource::parent_process);
    auto n = choose_profile_nss(profile, Platform::linux, t.path());
    CHECK(n.source == NssSource::parent_process);
    CHECK(n.libraries.install_dir == own);
  }
  SECTION("--firefox DIR likewise") {
    OwningFirefox told(own, NssSource::firefox_option);
    CHECK(choose_profile_nss(profile, Platform::linux, t.path()).source == NssSource::firefox_option);
  }
  SECTION("a named installation without NSS is passed over") {
    OwningFirefox told(t / "opt/nothing-here", NssSource::parent_process);
    CHECK(choose_profile_nss(profile, Platform::linux, t.path()).source == NssSource::compatibility_ini);
  }
  SECTION("compatibility.ini naming a removed installation: the known locations, ESR first") {
    fs::remove_all(release);
    auto n = choose_profile_nss(profile, Platform::linux, t.path());
    CHECK(n.source == NssSource::known_location);
    CHECK(n.libraries.install_dir == esr);
  }
  SECTION("no installation at all: the system's NSS") {
    fs::remove_all(release);
    fs::remove_all(esr);
    auto n = choose_profile_nss(profile, Platform::linux, t.path());
    CHECK(n.source == NssSource::system);
    CHECK(n.libraries.system());
  }
  SECTION("CERTDOCTOR_NSS=system switches the search off") {
    setenv("CERTDOCTOR_NSS", "system", 1);
    auto n = choose_profile_nss(profile, Platform::linux, t.path());
    unsetenv("CERTDOCTOR_NSS");
    CHECK(n.source == NssSource::system);
  }
}

TEST_CASE("Firefox NSS: the known locations cover ESR, release, Developer Edition, Nightly, Snap and Flatpak", "[firefox_nss]") {
  std::vector<std::string> dirs;
  for (const auto& d : known_install_dirs(Platform::linux, "/")) dirs.push_back(d.string());
  for (const char* want : {"/usr/lib/firefox-esr", "/usr/lib/firefox", "/usr/lib/firefox-developer-edition",
                           "/usr/lib/firefox-nightly", "/snap/firefox/current/usr/lib/firefox",
                           "/var/lib/flatpak/app/org.mozilla.firefox/current/active/files/lib/firefox"}) {
    CHECK(std::find(dirs.begin(), dirs.end(), want) != dirs.end());
  }
}

TEST_CASE("Firefox NSS: versions from 3.114 on know CKO_TRUST", "[firefox_nss]") {
  CHECK(knows_pkcs11_trust("3.125"));
  CHECK(knows_pkcs11_trust("3.114"));
  CHECK(knows_pkcs11_trust("4.0"));
  CHECK_FALSE(knows_pkcs11_trust("3.113"));
  CHECK_FALSE(knows_pkcs11_trust("3.87"));
  CHECK_FALSE(knows_pkcs11_trust(""));
}

TEST_CASE("Firefox NSS: an installation whose softoken will not load leaves the system's NSS to read, and says why",
          "[firefox_nss][store]") {
  // A broken installation named by compatibility.ini: a "softoken" that is no library. The profile is a real one.
  testing::TempDir t;
  const fs::path broken = t / "broken-firefox";
  fs::create_directories(broken);
  testing::write_file(broken / "libsoftokn3.so", "not a library");
  const fs::path profile = t / "profile";
  fs::create_directories(profile);
  testing::run_ok({"certutil", "-N", "-d", "sql:" + profile.string(), "--empty-password"});
  testing::write_file(profile / "compatibility.ini", "[Compatibility]\nLastPlatformDir=" + broken.string() + "\n");
  auto store = NssStore::open(profile, NssStore::Access::read);
  CHECK(store->nss().libraries.system());
  CHECK_THAT(store->nss().problem, Catch::Contains("libsoftokn3.so"));
  CHECK(store->all().empty());
}

TEST_CASE("Firefox NSS: doctor says which NSS reads each profile, on Linux and on a macOS tree", "[firefox_nss][rollout]") {
  auto detail_for = [](const json& report, const std::string& profile) -> std::string {
    for (const auto& c : report.at("checks")) {
      if (c.at("check") == "profile NSS" && c.at("detail").get<std::string>().find(profile) != std::string::npos) return c.at("detail");
    }
    return "(no profile NSS check for " + profile + ")";
  };
  testing::TempDir t;
  const fs::path home = t / "home", root = t / "root";

  SECTION("Linux: compatibility.ini names the release, another profile falls back to the ESR's known location") {
    for (const char* dir : {"usr/lib/firefox-esr", "usr/lib/firefox"}) {
      for (const char* f : {"libsoftokn3.so", "libnssutil3.so", "libmozsqlite3.so"}) touch(root / dir / f);
    }
    const fs::path ff = home / ".mozilla/firefox";
    touch(ff / "a.release/cert9.db");
    testing::write_file(ff / "a.release/compatibility.ini", "[Compatibility]\nLastPlatformDir=" + (root / "usr/lib/firefox").string() + "\n");
    touch(ff / "b.esr/cert9.db");
    testing::write_file(ff / "profiles.ini", "[Profile0]\nName=a\nIsRelative=1\nPath=a.release\nDefault=1\n\n"
                                             "[Profile1]\nName=b\nIsRelative=1\nPath=b.esr\n");
    const json r = doctor({Platform::linux, home, root});
    CHECK(detail_for(r, "a.release") ==
          (ff / "a.release").string() + ": read with Firefox's own NSS in " + (root / "usr/lib/firefox").string() + " (compatibility.ini)");
    CHECK(detail_for(r, "b.esr") ==
          (ff / "b.esr").string() + ": read with Firefox's own NSS in " + (root / "usr/lib/firefox-esr").string() + " (known location)");
  }
  SECTION("macOS: the libraries in the app bundle") {
    for (const char* f : {"libsoftokn3.dylib", "libmozglue.dylib", "libnss3.dylib"}) touch(root / "Applications/Firefox.app/Contents/MacOS" / f);
    const fs::path ff = home / "Library/Application Support/Firefox";
    touch(ff / "Profiles/x.default-release/cert9.db");
    testing::write_file(ff / "profiles.ini", "[Profile0]\nName=x\nIsRelative=1\nPath=Profiles/x.default-release\nDefault=1\n");
    const json r = doctor({Platform::macos, home, root});
    CHECK(detail_for(r, "x.default-release") == (ff / "Profiles/x.default-release").string() + ": read with Firefox's own NSS in " +
                                                    (root / "Applications/Firefox.app/Contents/MacOS").string() + " (known location)");
  }
  SECTION("no installation: the system's NSS, said so") {
    const fs::path ff = home / ".mozilla/firefox";
    touch(ff / "c.none/cert9.db");
    testing::write_file(ff / "profiles.ini", "[Profile0]\nName=c\nIsRelative=1\nPath=c.none\nDefault=1\n");
    CHECK(detail_for(doctor({Platform::linux, home, root}), "c.none") == (ff / "c.none").string() + ": read with the system's NSS (system)");
  }
}
