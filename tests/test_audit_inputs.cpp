// The audit's inputs, each read from a fixture made by the real scanner where Debian has it (nmap, masscan,
// testssl.sh: tests/data/audit/README.md says how) or written from the published schema (zgrab2, sslyze), and
// the collision groups found across them, compared as DER bytes.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "audit/collisions.hpp"
#include "audit/report_writers.hpp"
#include "audit/scan_input.hpp"
#include "audit/targets.hpp"
#include "base/hex.hpp"
#include "certificate/cert_info.hpp"
#include "base/request_error.hpp"
#include "process.hpp"

using namespace certdoctor;
using namespace certdoctor::audit;

namespace {

const std::filesystem::path kData = std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "tests/data/audit";

std::string fixture(const std::string& name) { return testing::read_file(kData / name); }

std::string pem_sha256(const std::string& name) {
  auto der = pem_certificates(fixture(name));
  REQUIRE(der.size() == 1);
  return sha256_hex(der[0]);
}

std::vector<Observation> read_all(const std::string& name, std::uint16_t default_port = 443) {
  const std::string text = fixture(name);
  std::istringstream in(text);
  std::vector<Observation> out;
  read_scan(detect_input(text.substr(0, 4096)), in, {name, default_port, [&](Observation&& o) { out.push_back(std::move(o)); }});
  return out;
}

std::set<std::string> leaf_hashes(const std::vector<Observation>& obs) {
  std::set<std::string> out;
  for (const auto& o : obs) {
    if (!o.chain_der.empty()) out.insert(sha256_hex(o.chain_der[0]));
  }
  return out;
}

}  // namespace

TEST_CASE("audit inputs: each file's kind is recognised from its content", "[audit]") {
  CHECK(detect_input(fixture("nmap-ssl-cert.xml")) == InputKind::nmap);
  CHECK(detect_input(fixture("masscan-banners.json")) == InputKind::masscan);
  CHECK(detect_input(fixture("testssl-fleet.json").substr(0, 4096)) == InputKind::testssl);
  CHECK(detect_input(fixture("zgrab2-fleet.jsonl").substr(0, 4096)) == InputKind::zgrab2);
  CHECK(detect_input(fixture("sslyze-fleet.json").substr(0, 4096)) == InputKind::sslyze);
  CHECK(detect_input("https://idrac-1.example.test/\n10.0.0.7:8443\n") == InputKind::target_list);
  CHECK(detect_input("") == InputKind::target_list);
}

TEST_CASE("audit inputs: nmap's ssl-cert XML gives each port's leaf, by address and port", "[audit]") {
  auto obs = read_all("nmap-ssl-cert.xml");
  REQUIRE(obs.size() == 3);
  for (const auto& o : obs) {
    CHECK(o.host == "127.0.0.1");
    CHECK(o.source == "nmap");
    CHECK(o.chain_der.size() == 1);
    CHECK_FALSE(o.failure);
  }
  CHECK(leaf_hashes(obs) == std::set<std::string>{pem_sha256("twin1.pem"), pem_sha256("twin2.pem"), pem_sha256("unique.pem")});
}

TEST_CASE("audit inputs: masscan's X509 banners, one endpoint per ip:port, with the version it saw", "[audit]") {
  auto obs = read_all("masscan-banners.json");
  REQUIRE(obs.size() == 3);
  std::set<std::uint16_t> ports;
  for (const auto& o : obs) {
    ports.insert(o.port);
    CHECK(o.host == "10.217.17.2");
    CHECK(o.tls_version == "TLS/1.1");
  }
  CHECK(ports == std::set<std::uint16_t>{443, 993, 8443});
  CHECK(leaf_hashes(obs) == std::set<std::string>{pem_sha256("twin1.pem"), pem_sha256("twin2.pem"), pem_sha256("unique.pem")});
}

TEST_CASE("audit inputs: testssl.sh's findings, grouped by host and port", "[audit]") {
  auto obs = read_all("testssl-fleet.json");
  REQUIRE(obs.size() == 3);
  for (const auto& o : obs) CHECK(o.host == "127.0.0.1");
  CHECK(leaf_hashes(obs) == std::set<std::string>{pem_sha256("twin1.pem"), pem_sha256("twin2.pem"), pem_sha256("unique.pem")});
}

TEST_CASE("audit inputs: zgrab2 records (written from the schema): leaf and chain, port, version, failures", "[audit]") {
  auto obs = read_all("zgrab2-fleet.jsonl", 9443);
  REQUIRE(obs.size() == 8);
  CHECK(obs[0].host == "192.0.2.10");
  CHECK(obs[0].port == 443);
  CHECK(sha256_hex(obs[0].chain_der.at(0)) == pem_sha256("twin1.pem"));
  CHECK(obs[2].host == "2001:db8::12");
  CHECK(obs[2].port == 8443);
  CHECK(obs[2].tls_version == "TLSv1.0");
  REQUIRE(obs[7].failure);
  CHECK(obs[7].chain_der.empty());
  CHECK(obs[7].failure->values.at("detail").get<std::string>().find("i/o timeout") != std::string::npos);
}

TEST_CASE("audit inputs: sslyze results (written from the schema): the chain, and a server it could not reach", "[audit]") {
  auto obs = read_all("sslyze-fleet.json");
  REQUIRE(obs.size() == 3);
  CHECK(obs[0].host == "192.0.2.50");
  REQUIRE(obs[0].chain_der.size() == 2);
  CHECK(sha256_hex(obs[0].chain_der[1]) == pem_sha256("internal-ca.pem"));
  CHECK(obs[2].failure);
}

TEST_CASE("audit inputs: a broken scanner file is named with what is wrong", "[audit]") {
  std::istringstream bad("{\"ip\": \"1.2.3.4\", \"data\": {\"tls\": ");
  CHECK_THROWS_AS(read_zgrab2(bad, {"scan.json", 443, [](Observation&&) {}}), ScanError);
  std::istringstream xml("<nmaprun><host><address addr=\"1.2.3.4\" addrtype=\"ipv4\"/><ports><port portid=\"443\">");
  CHECK_THROWS_WITH(read_nmap(xml, {"scan.xml", 443, [](Observation&&) {}}),
                    Catch::Contains("scan.xml: not valid nmap XML (line 1"));
}

TEST_CASE("audit inputs: nmap XML is data: no entity bombs, no ports without an address, a sink's error kept", "[audit]") {
  const std::string pem = fixture("internal-ca.pem");
  REQUIRE(pem.find("BEGIN CERTIFICATE") != std::string::npos);
  auto port = [&](const std::string& address) {
    return "<nmaprun><host>" + address + "<ports><port protocol=\"tcp\" portid=\"443\"><script id=\"ssl-cert\">"
           "<elem key=\"pem\">" + pem + "</elem></script></port></ports></host></nmaprun>";
  };
  {
    // Nested entities that would expand to gigabytes: expat refuses the amplification, and the file is named.
    std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE nmaprun [<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">";
    for (char c = 'b'; c <= 'j'; ++c) {
      bomb += std::string("<!ENTITY ") + c + " \"";
      for (int i = 0; i < 10; ++i) bomb += std::string("&") + static_cast<char>(c - 1) + ";";
      bomb += "\">";
    }
    bomb += "]><nmaprun><host><address addr=\"&j;\" addrtype=\"ipv4\"/></host></nmaprun>";
    std::istringstream in(bomb);
    CHECK_THROWS_WITH(read_nmap(in, {"bomb.xml", 443, [](Observation&&) {}}), Catch::Contains("bomb.xml: not valid nmap XML"));
  }
  {
    std::istringstream in(port(""));
    CHECK_THROWS_WITH(read_nmap(in, {"scan.xml", 443, [](Observation&&) {}}), Catch::Contains("no address or port number"));
  }
  {
    std::istringstream in(port("<address addr=\"192.0.2.9\" addrtype=\"ipv4\"/>"));
    std::vector<Observation> seen;
    read_nmap(in, {"scan.xml", 443, [&](Observation&& o) { seen.push_back(std::move(o)); }});
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].host == "192.0.2.9");
    CHECK(seen[0].port == 443);
    CHECK(seen[0].chain_der.size() == 1);
    // What the sink throws comes out of the reader as it was thrown, not through the XML parser's C frames.
    std::istringstream again(port("<address addr=\"192.0.2.9\" addrtype=\"ipv4\"/>"));
    CHECK_THROWS_WITH(read_nmap(again, {"scan.xml", 443, [](Observation&&) { throw std::runtime_error("sink full"); }}),
                      "sink full");
  }
}

TEST_CASE("audit targets: URLs, host[:port], IPv4 and IPv6 with and without ports, comments, and bad lines", "[audit]") {
  std::istringstream in(
      "# the lab\n"
      "https://idrac-1.example.test/login\n"
      "switch.example.test\n"
      "10.0.0.7:8443   # the NAS\n"
      "2001:db8::7\n"
      "[2001:db8::8]:8443\n"
      "\n"
      "ftp://nope.example.test/\n"
      "10.0.0.7:8443\n"
      "bad host name!\n");
  TargetList list;
  read_target_list(in, "targets.txt", 4443, list);
  REQUIRE(list.targets.size() == 5);
  CHECK(list.targets[0].authority() == "idrac-1.example.test:443");  // a URL keeps its own default
  CHECK(list.targets[1].authority() == "switch.example.test:4443");   // a bare host gets --port
  CHECK(list.targets[2].authority() == "10.0.0.7:8443");
  CHECK(list.targets[3].authority() == "[2001:db8::7]:4443");
  CHECK(list.targets[4].authority() == "[2001:db8::8]:8443");
  REQUIRE(list.errors.size() == 2);  // the duplicate is dropped silently, the two bad lines are named
  CHECK(list.errors[0].line == 8);
  CHECK(list.errors[1].line == 10);
  CHECK(endpoint_name("2001:db8::7", 443) == "[2001:db8::7]:443");
}

TEST_CASE("audit collisions: groups by issuer and serial as bytes, classed twins or re-made", "[audit]") {
  std::vector<EndpointReport> all;
  for (const char* file : {"zgrab2-fleet.jsonl", "sslyze-fleet.json"}) {
    for (const auto& o : read_all(file)) {
      if (o.chain_der.empty()) continue;
      EndpointReport e;
      e.endpoint = endpoint_name(o.host, o.port);
      e.reachable = true;
      e.sha256 = sha256_hex(o.chain_der[0]);
      auto keys = cert_keys(o.chain_der[0]);
      REQUIRE(keys);
      e.issuer_der = keys->issuer_der;
      e.serial_der = keys->serial_der;
      e.subject = to_hex(keys->subject_der);
      all.push_back(e);
    }
  }
  CollisionIndex index;
  for (const auto& e : all) index.note(e);
  REQUIRE(index.any());
  for (const auto& e : all) index.collect(e);
  auto groups = index.groups();
  // iDRAC twins, the IOS switch that re-made its certificate, the internal CA that reused serial 10. The two
  // "CN=Printable Twin, serial 07" certificates print alike but their names differ as bytes: no group.
  REQUIRE(groups.size() == 3);
  std::map<std::string, std::string> kind_by_first;
  for (const auto& g : groups) kind_by_first[g.members.front().endpoint] = g.kind;
  CHECK(kind_by_first.at("192.0.2.10:443") == "twins");
  CHECK(kind_by_first.at("192.0.2.20:443") == "remade");
  CHECK(kind_by_first.at("192.0.2.50:443") == "remade");
  for (const auto& g : groups) {
    for (const auto& m : g.members) CHECK(m.endpoint.find("192.0.2.3") == std::string::npos);
    CHECK(g.distinct_certificates == 2);
    CHECK_FALSE(g.fix.empty());
    CHECK(g.fix.front().starts_with("certdoctor reissue 'https://192.0.2."));
  }
}

TEST_CASE("audit CSV: a cell a spreadsheet would take for a formula is quoted with a leading apostrophe", "[audit]") {
  AuditReport r;
  EndpointReport e;
  e.endpoint = "192.0.2.1:443";
  e.reachable = true;
  e.subject = "=cmd|' /C calc'!A0";
  e.issuer = "+SUM(1,2)";
  e.key = "-2";
  r.for_each_endpoint = [&](const std::function<void(const EndpointReport&)>& fn) { fn(e); };
  std::ostringstream out;
  write_csv(out, r);
  const std::string csv = out.str();
  CHECK(csv.find(",'=cmd|' /C calc'!A0,") != std::string::npos);
  CHECK(csv.find(",\"'+SUM(1,2)\",") != std::string::npos);
  CHECK(csv.find(",'-2,") != std::string::npos);
  CHECK(csv.find(",=") == std::string::npos);
}
