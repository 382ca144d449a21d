// The profile's certificate database through NSS at the PKCS#11 object level, checked against certutil.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <pkcs11t.h>

#include "profile/nss_store.hpp"
#include "pki.hpp"
#include "process.hpp"
#include "profile.hpp"

using namespace certdoctor;
using testing::Profile;

namespace {

// The nickname/trust lines of certutil -L, sorted (it lists in no fixed order).
std::vector<std::string> listing_lines(const std::string& listing) {
  std::vector<std::string> lines;
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > 60 && line.find(',') != std::string::npos && line.front() != ' ') {
      lines.push_back(line);
    }
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// The same lines as certutil would print them, from what the store reads.
std::vector<std::string> our_lines(NssStore& store) {
  std::vector<std::string> lines;
  for (const auto& c : store.all()) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-60s %-5s", c.nickname.c_str(), c.trust_string().c_str());
    lines.push_back(buf);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}



}  // namespace

TEST_CASE_METHOD(testing::Workspace, "Store: trust strings read through PKCS#11 are exactly certutil's", "[store]") {
  auto root1 = pki.root("root1", {.subject = "/CN=Corp Root", .serial = "01"});
  auto root2 = pki.root("root2", {.subject = "/CN=Corp Root", .serial = "02"});
  auto leaf = pki.issue("leaf", root1, {.subject = "/CN=www.corp.test"});
  auto peer = pki.device("peer", {.subject = "/CN=peer.test"});
  auto bad = pki.device("bad", {.subject = "/CN=bad.test"});
  auto mine = pki.issue("mine", root1, {.subject = "/CN=me.test"});
  profile.add(root1, "Corp Root", "C,,");
  profile.add(root2, "Corp Root", "CT,c,p");  // two certificates sharing one nickname
  profile.add(leaf, "www.corp.test", ",,");
  profile.add(peer, "peer.test", "P,,");
  profile.add(bad, "bad.test", "p,p,p");
  profile.add_with_key(mine, "my client cert");

  auto store = NssStore::open(profile.dir(), NssStore::Access::read);
  CHECK(our_lines(*store) == listing_lines(profile.list()));
  CHECK(store->all().size() == 6);
}

TEST_CASE_METHOD(testing::Workspace, "Store: issuer+serial and subject lookups find the stored copies", "[store]") {
  auto old_dev = pki.device("old", {.subject = "/CN=idrac.test", .serial = "01"});
  auto other = pki.device("other", {.subject = "/CN=ilo.test", .serial = "01"});
  profile.add(old_dev, "idrac.test", ",,");
  profile.add(other, "ilo.test", ",,");

  auto store = NssStore::open(profile.dir(), NssStore::Access::read);
  auto by_subject = store->by_subject(store->by_sha256(old_dev.sha256())->subject_der);
  REQUIRE(by_subject.size() == 1);
  CHECK(by_subject[0].sha256 == old_dev.sha256());
  CHECK(by_subject[0].nickname == "idrac.test");
  CHECK(by_subject[0].trust_string() == ",,");
  CHECK_FALSE(by_subject[0].is_trust_anchor());

  auto hits = store->by_issuer_serial(by_subject[0].issuer_der, by_subject[0].serial_der);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].der == old_dev.der());
  CHECK(store->by_issuer_serial(by_subject[0].issuer_der, std::string("\x02\x01\x02", 3)).empty());
  CHECK_FALSE(store->by_sha256(std::string(64, '0')));
}

TEST_CASE_METHOD(testing::Workspace, "Store: removing one of two certificates sharing a nickname removes exactly that one", "[store]") {
  auto v1 = pki.root("v1", {.subject = "/CN=Corp Root", .serial = "01"});
  auto v2 = pki.root("v2", {.subject = "/CN=Corp Root", .serial = "02"});
  profile.add(v1, "Corp Root", "C,,");
  profile.add(v2, "Corp Root", "CT,C,");
  const std::string before = profile.list();

  NssStore::Snapshot snap;
  {
    auto store = NssStore::open(profile.dir(), NssStore::Access::write);
    auto target = store->by_sha256(v1.sha256());
    REQUIRE(target);
    CHECK(target->is_trust_anchor());
    snap = store->snapshot(*target);
    REQUIRE(snap.trust.size() == 1);
    store->destroy(*target);
    CHECK_FALSE(store->by_sha256(v1.sha256()));
  }
  CHECK_FALSE(profile.holds(v1));
  CHECK(profile.holds(v2));
  CHECK(profile.trust_of("Corp Root") == "CT,C,");  // the other one keeps its own trust

  {
    auto store = NssStore::open(profile.dir(), NssStore::Access::write);
    store->restore(snap);
  }
  CHECK(listing_lines(profile.list()) == listing_lines(before));
  CHECK(profile.holds(v1));
}

TEST_CASE_METHOD(testing::Workspace, "Store: of two twins with the same issuer and serial, only the one named by its DER can go", "[store]") {
  auto stored = pki.device("stored", {.subject = "/CN=switch.test", .serial = "01"});
  auto served = pki.device("served", {.subject = "/CN=switch.test", .serial = "01"});
  profile.add(stored, "switch.test", ",,");
  // A newer NSS (Firefox's own, the one that reads profiles) adds its attribute columns the first time it opens a
  // database for writing, as Firefox does; what must not change anything is the failed restore below.
  NssStore::open(profile.dir(), NssStore::Access::write);
  const std::string before = testing::read_file(profile.dir() / "cert9.db");
  {
    auto store = NssStore::open(profile.dir(), NssStore::Access::write);
    // The database cannot hold both (its softoken keeps issuer + serial unique, as certutil does):
    auto a = store->by_sha256(stored.sha256());
    REQUIRE(a);
    auto snap = store->snapshot(*a);
    snap.certificate[CKA_VALUE] = served.der();
    CHECK_THROWS_AS(store->restore(snap), StoreError);
    // Asking for the served twin by its hash finds nothing, though issuer and serial match the stored one.
    CHECK_FALSE(store->by_sha256(served.sha256()));
    auto same_pair = store->by_issuer_serial(a->issuer_der, a->serial_der);
    REQUIRE(same_pair.size() == 1);
    CHECK(same_pair[0].sha256 == stored.sha256());
  }
  CHECK(testing::read_file(profile.dir() / "cert9.db") == before);
  {
    auto store = NssStore::open(profile.dir(), NssStore::Access::write);
    store->destroy(*store->by_sha256(stored.sha256()));
    CHECK(store->all().empty());
  }
  CHECK_FALSE(profile.holds(stored));
}

TEST_CASE("Store: missing, corrupt and read-only databases give clear errors and change nothing", "[store]") {
  testing::TempDir dir;
  auto code_of = [](auto&& fn) {
    try {
      fn();
    } catch (const StoreError& e) {
      return std::string(e.code());
    }
    return std::string("no error");
  };
  CHECK(code_of([&] { NssStore::open(dir / "nowhere", NssStore::Access::read); }) == "store_missing");

  std::filesystem::create_directories(dir / "corrupt");
  testing::write_file(dir / "corrupt/cert9.db", std::string(4096, '\x5a'));
  CHECK(code_of([&] { NssStore::open(dir / "corrupt", NssStore::Access::read); }) == "store_corrupt");
  CHECK(testing::read_file(dir / "corrupt/cert9.db") == std::string(4096, '\x5a'));

  testing::Workspace w;
  auto& profile = w.profile;
  auto dev = w.pki.device("dev", {.subject = "/CN=dev.test"});
  profile.add(dev, "dev.test", ",,");
  const std::string before = testing::read_file(profile.dir() / "cert9.db");
  {
    auto store = NssStore::open(profile.dir(), NssStore::Access::read);
    auto c = store->by_sha256(dev.sha256());
    REQUIRE(c);
    CHECK(code_of([&] { store->destroy(*c); }) == "store_read_only");
  }
  CHECK(testing::read_file(profile.dir() / "cert9.db") == before);
  CHECK(profile.holds(dev));
}

TEST_CASE_METHOD(testing::Workspace, "Store: several profiles open at once, each in its own slot, and reopened after closing",
                 "[store]") {
  auto a = pki.device("a", {.subject = "/CN=a.test"});
  auto b = pki.device("b", {.subject = "/CN=b.test"});
  profile.add(a, "a.test", ",,");
  // A second profile whose folder name holds the characters NSS's parameter syntax treats specially.
  Profile odd(dir / "Mozilla's ]profile> [x] \\ y");
  odd.add(b, "b.test", "P,,");

  // Link folders go to TMPDIR: a private one here, so that what is left there can be checked.
  const char* saved_tmpdir = std::getenv("TMPDIR");
  const std::string saved = saved_tmpdir ? saved_tmpdir : "";
  std::filesystem::create_directory(dir / "tmp");
  setenv("TMPDIR", (dir / "tmp").c_str(), 1);

  auto first = NssStore::open(profile.dir(), NssStore::Access::read);
  auto second = NssStore::open(odd.dir(), NssStore::Access::write);
  auto third = NssStore::open(profile.dir(), NssStore::Access::read);  // the same database twice
  CHECK(first->all().size() == 1);
  CHECK(first->by_sha256(a.sha256()));
  CHECK_FALSE(first->by_sha256(b.sha256()));
  REQUIRE(second->by_sha256(b.sha256()));
  CHECK(second->by_sha256(b.sha256())->trust_string() == "P,,");
  CHECK(third->all().size() == 1);

  // Writing through the odd folder's store changes that profile only.
  second->destroy(*second->by_sha256(b.sha256()));
  CHECK_FALSE(odd.holds(b));
  CHECK(profile.holds(a));
  second.reset();
  first.reset();
  // Closed slots are given out again, and see the database as it now is.
  for (int i = 0; i < 120; ++i) CHECK(NssStore::open(odd.dir(), NssStore::Access::read)->all().empty());
  // No link folder is left behind for the odd name.
  CHECK(std::filesystem::is_empty(dir / "tmp"));
  if (saved_tmpdir) setenv("TMPDIR", saved.c_str(), 1); else unsetenv("TMPDIR");
}

// Today's Firefox stores trust as PKCS#11 v3.2 CKO_TRUST objects (tests/support/firefox_certdb makes the calls its
// certificate database makes); certutil 3.87 writes CKO_NSS_TRUST and lists the new ones as ",,".
TEST_CASE_METHOD(testing::Workspace, "Store: trust Firefox stores as CKO_TRUST is read, snapshotted, removed whole and restored in its format",
                 "[store][pkcs11-trust]") {
  auto anchor = pki.root("anchor", {.subject = "/CN=Firefox Trusted Root"});
  auto banned = pki.root("banned", {.subject = "/CN=Firefox Distrusted Root"});
  profile.add_as_firefox(anchor, "anchor", "C,,");
  profile.add_as_firefox(banned, "banned", "p,p,p");
  REQUIRE(profile.firefox_trust_of("anchor") == "C,,");
  CHECK(profile.trust_of("anchor") == ",,");  // what the system's certutil sees
  {
    auto store = NssStore::open(profile.dir(), NssStore::Access::read);
    CHECK_FALSE(store->nss().libraries.system());
    CHECK(store->writes_pkcs11_trust());
    auto a = store->by_sha256(anchor.sha256());
    auto b = store->by_sha256(banned.sha256());
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->trust_string() == "C,,");
    CHECK(a->is_trust_anchor());
    CHECK(a->trust_objects == std::vector<TrustFormat>{TrustFormat::pkcs11});
    CHECK(b->trust_string() == "p,p,p");
    CHECK(b->is_distrusted());
  }
  // The system's NSS (3.87) finds the objects by class too: certdoctor reads them whichever NSS it has.
  {
    auto store = NssStore::open(profile.dir(), NssStore::Access::read, ProfileNss{system_nss(), NssSource::system, "", ""});
    auto a = store->by_sha256(anchor.sha256());
    REQUIRE(a);
    CHECK(a->trust_string() == "C,,");
    CHECK_FALSE(a->trust_unreadable);
  }
  NssStore::Snapshot snap;
  {
    auto store = NssStore::open(profile.dir(), NssStore::Access::write);
    auto a = store->by_sha256(anchor.sha256());
    REQUIRE(a);
    snap = store->snapshot(*a);
    REQUIRE(snap.trust.size() == 1);
    CHECK(snap.has(TrustFormat::pkcs11));
    CHECK(snap.problem(anchor.sha256()).empty());
    store->destroy(*a);
    const auto left = store->present(snap);
    CHECK_FALSE(left.certificate);
    CHECK_FALSE(left.some_trust);  // no orphan CKO_TRUST object
  }
  CHECK(profile.firefox_trust_of("anchor") == "(not listed)");
  {
    auto store = NssStore::open(profile.dir(), NssStore::Access::write);
    store->restore(snap);
  }
  CHECK(profile.firefox_trust_of("anchor") == "C,,");  // the same object, in the same format, applied again
  CHECK(profile.trust_of("anchor") == ",,");            // not turned into CKO_NSS_TRUST
}

TEST_CASE_METHOD(testing::Workspace, "Store: a profile holding both formats for one certificate is read as Firefox applies it, and removed whole",
                 "[store][pkcs11-trust]") {
  auto root = pki.root("root", {.subject = "/CN=Twice Trusted Root"});
  profile.add(root, "root", "p,p,p");           // an older Firefox distrusted it
  profile.add_as_firefox(root, "root", "C,,");  // today's Firefox trusts it: a CKO_TRUST object next to the old one
  REQUIRE(profile.firefox_trust_of("root") == "C,,");
  auto store = NssStore::open(profile.dir(), NssStore::Access::write);
  auto c = store->by_sha256(root.sha256());
  REQUIRE(c);
  CHECK(c->trust_objects.size() == 2);
  CHECK(c->trust_string() == "C,,");  // Firefox's NSS applies CKO_TRUST (measured, both orders)
  auto snap = store->snapshot(*c);
  CHECK(snap.has(TrustFormat::nss));
  CHECK(snap.has(TrustFormat::pkcs11));
  store->destroy(*c);
  CHECK_FALSE(store->present(snap).some_trust);
  store->restore(snap);
  const auto back = store->present(snap);
  CHECK(back.certificate);
  CHECK(back.trust);
}

TEST_CASE_METHOD(testing::Workspace, "Store: a snapshot that is not certdoctor's own of that certificate names what is wrong",
                 "[store][backup]") {
  auto root = pki.root("root", {.subject = "/CN=Checked Root"});
  auto other = pki.root("other", {.subject = "/CN=Other Root"});
  profile.add_as_firefox(root, "root", "C,,");
  auto store = NssStore::open(profile.dir(), NssStore::Access::read);
  const auto good = store->snapshot(*store->by_sha256(root.sha256()));
  REQUIRE(good.problem(root.sha256()).empty());
  CHECK_FALSE(good.problem(other.sha256()).empty());  // another hash than the file names
  auto swapped = good;
  swapped.certificate[CKA_VALUE] = other.der();        // another certificate's DER under this one's names
  CHECK_FALSE(swapped.problem(other.sha256()).empty());
  auto extra = good;
  extra.certificate[CKA_PRIVATE_EXPONENT] = "x";        // an attribute certdoctor never saves
  CHECK_FALSE(extra.problem(root.sha256()).empty());
  auto foreign_trust = good;
  foreign_trust.trust[0][0x635] = std::string(32, '\0');  // CKA_HASH_OF_CERTIFICATE of no such certificate
  CHECK_FALSE(foreign_trust.problem(root.sha256()).empty());
  auto key = good;
  const CK_ULONG private_key = CKO_PRIVATE_KEY;
  key.trust[0][CKA_CLASS] = std::string(reinterpret_cast<const char*>(&private_key), sizeof private_key);
  CHECK_FALSE(key.problem(root.sha256()).empty());
}
