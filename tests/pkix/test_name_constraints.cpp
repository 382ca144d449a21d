// Name constraints of a CA, applied to the certificates below it; on real certificates made with openssl.
#include <catch2/catch.hpp>

#include "issued.hpp"
#include "pki.hpp"
#include "pkix/cert.hpp"
#include "pkix/names.hpp"
#include "process.hpp"

using namespace certdoctor::pkix;

using testing::Parsed;

TEST_CASE("Names: name constraints of a CA apply to the certificates below it", "[pkix][names]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto root = pki.root("root", {.subject = "/CN=Root"});
  auto leaf_for = [&](const std::string& name, const std::string& san) {
    return Parsed(pki.issue(name, root, {.subject = "/CN=" + name, .extensions = {"subjectAltName=" + san}}).der());
  };
  auto constraints = [&](const std::string& nc) {
    Parsed ca(pki.root("nc" + std::to_string(std::hash<std::string>{}(nc)), {.subject = "/CN=NC CA",
                                                   .extensions = {"basicConstraints=critical,CA:TRUE",
                                                                  "nameConstraints=critical," + nc}})
                  .der(),
              Role::ca);
    REQUIRE(ca.cert.name_constraints);
    return std::string(as_string(*ca.cert.name_constraints));
  };
  const std::string permitted = constraints("permitted;DNS:corp.test");
  CHECK(check_name_constraints(as_input(permitted), leaf_for("in", "DNS:www.corp.test").cert, KeyPurpose::server_auth) == Result::Success);
  CHECK(check_name_constraints(as_input(permitted), leaf_for("apex", "DNS:corp.test").cert, KeyPurpose::server_auth) == Result::Success);
  CHECK(check_name_constraints(as_input(permitted), leaf_for("out", "DNS:evilcorp.test").cert, KeyPurpose::server_auth) ==
        Result::CertNotInNameSpace);
  const std::string excluded = constraints("excluded;DNS:secret.corp.test");
  CHECK(check_name_constraints(as_input(excluded), leaf_for("wild", "DNS:*.corp.test").cert, KeyPurpose::server_auth) ==
        Result::CertNotInNameSpace);  // the wildcard could stand for the excluded name
  CHECK(check_name_constraints(as_input(excluded), leaf_for("fine", "DNS:www.corp.test").cert, KeyPurpose::server_auth) ==
        Result::Success);
  const std::string ips = constraints("permitted;IP:10.0.0.0/255.0.0.0");
  CHECK(check_name_constraints(as_input(ips), leaf_for("ip-in", "IP:10.1.2.3").cert, KeyPurpose::server_auth) == Result::Success);
  CHECK(check_name_constraints(as_input(ips), leaf_for("ip-out", "IP:192.168.0.1").cert, KeyPurpose::server_auth) ==
        Result::CertNotInNameSpace);
}
