// Benchmark helper for tools/bench-audit.sh: a fleet of TLS endpoints served on loopback from this one process,
// or a zgrab2 scan of a fleet written as JSON lines. Each fleet has a few iDRAC-style twins (one factory name
// and serial 01, different certificates) among unique self-signed devices, so that the audit has collision
// groups to find. Keys are EC P-256, shared within a fleet so that making thousands of certificates is quick
// (the audit looks at the certificates, not at whose key they hold).
//   audit_fleet serve N TARGETS_FILE   serve N endpoints, write "127.0.0.1:PORT" lines, run until stdin closes
//   audit_fleet zgrab2 N [POOL]         print N zgrab2 records (one per IP) with leaves drawn from POOL certificates
#include <openssl/evp.h>

#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "forge.hpp"
#include "tls_farm.hpp"

namespace {

using namespace testing;

// One in fifty is a twin of the iDRAC kind.
std::vector<forge::Cert> make_fleet(std::size_t n) {
  const forge::Key key = forge::make_key("ec:P-256");
  std::vector<forge::Cert> out;
  out.reserve(n);
  const std::time_t now = std::time(nullptr);
  for (std::size_t i = 0; i < n; ++i) {
    if (i % 50 == 7) {
      out.push_back(forge::make({.cn = "iDRAC default certificate", .from = now - 86400 - static_cast<std::time_t>(i),
                                 .to = now + 400 * 86400, .serial = "01", .reuse_key = &key}, nullptr));
    } else {
      out.push_back(forge::make({.cn = "device-" + std::to_string(i) + ".fleet.test",
                                 .ext = {"subjectAltName=DNS:device-" + std::to_string(i) + ".fleet.test"},
                                 .from = now - 86400, .to = now + static_cast<std::time_t>((i % 700) + 1) * 86400,
                                 .reuse_key = &key}, nullptr));
    }
  }
  return out;
}

std::string base64(const std::string& der) {
  std::string out(4 * ((der.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(der.data()),
                          static_cast<int>(der.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

int serve(std::size_t n, const std::string& targets) {
  std::vector<FarmEndpoint> endpoints;
  for (auto& c : make_fleet(n)) endpoints.push_back({std::move(c)});
  TlsFarm farm(endpoints);
  {
    std::ofstream out(targets);
    for (auto port : farm.ports()) out << "127.0.0.1:" << port << "\n";
  }
  std::cout << "ready " << farm.ports().size() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  std::cerr << "audit_fleet: " << farm.handshakes() << " handshakes served\n";
  return 0;
}

int zgrab2(std::size_t n, std::size_t pool_size) {
  std::vector<std::string> pool;
  for (auto& c : make_fleet(pool_size)) pool.push_back(base64(c.der()));
  for (std::size_t i = 0; i < n; ++i) {
    const std::string ip = "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." +
                           std::to_string(i & 255);
    std::cout << "{\"ip\":\"" << ip << "\",\"data\":{\"tls\":{\"status\":\"success\",\"protocol\":\"tls\",\"port\":443,"
              << "\"result\":{\"handshake_log\":{\"server_hello\":{\"version\":{\"name\":\"TLSv1.2\",\"value\":771}},"
              << "\"server_certificates\":{\"certificate\":{\"raw\":\"" << pool[i % pool.size()]
              << "\",\"parsed\":{\"serial_number\":\"1\"}},\"chain\":[]}}},\"timestamp\":\"2026-12-02T13:00:00Z\"}}}\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "serve") return serve(std::stoul(args[1]), args[2]);
  if ((args.size() == 2 || args.size() == 3) && args[0] == "zgrab2") {
    return zgrab2(std::stoul(args[1]), args.size() == 3 ? std::stoul(args[2]) : 5000);
  }
  std::cerr << "usage: audit_fleet serve N TARGETS_FILE | audit_fleet zgrab2 N [POOL]\n";
  return 2;
}
