// Certificates for the checks of one certificate: one with the given extensions issued by a throw-away root, and
// one taken apart by the parser (which must accept it).
#pragma once
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "pki.hpp"
#include "pkix/cert.hpp"

namespace testing {

inline std::string ext_of(Pki& pki, const std::string& name, std::vector<std::string> ext, bool ca = false) {
  static int n = 0;
  auto root = pki.root(name + "-root" + std::to_string(n++), {.subject = "/CN=R"});
  return pki.issue(name, root, {.subject = "/CN=" + name, .extensions = std::move(ext)}, ca).der();
}

struct Parsed {
  std::string der;
  certdoctor::pkix::Cert cert;
  explicit Parsed(std::string d, certdoctor::pkix::Role role = certdoctor::pkix::Role::end_entity)
      : der(std::move(d)), cert(certdoctor::pkix::as_input(der), role) {
    REQUIRE(cert.init() == certdoctor::pkix::Result::Success);
  }
};

}  // namespace testing
