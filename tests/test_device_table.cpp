#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <regex>
#include <set>

#include "devices/device_table.hpp"
#include "forge.hpp"

using namespace certdoctor;

namespace {

// An attribute as it appears in a Name: its short name ("CN", "O", ...), value, and string type.
struct Rdn {
  std::string type, value;
  int string_type = MBSTRING_UTF8;
};

X509_NAME* make_name(const std::vector<Rdn>& rdns) {
  X509_NAME* n = X509_NAME_new();
  for (const auto& r : rdns) {
    std::string bytes = r.value;
    if (r.string_type == V_ASN1_BMPSTRING) {  // stored as UTF-16BE (the values here are ASCII)
      bytes.clear();
      for (char c : r.value) bytes += {'\0', c};
    }
    REQUIRE(X509_NAME_add_entry_by_txt(n, r.type.c_str(), r.string_type,
                                       reinterpret_cast<const unsigned char*>(bytes.data()),
                                       static_cast<int>(bytes.size()), -1, 0) == 1);
  }
  return n;
}

// A certificate with exactly these issuer and subject Names (signed by a throw-away key: the table reads names only).
std::string cert_with(const std::vector<Rdn>& issuer, const std::vector<Rdn>& subject) {
  static const testing::forge::Key key = testing::forge::make_key("ec:P-256");
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 1);
  X509_NAME* in = make_name(issuer);
  X509_NAME* sn = make_name(subject);
  X509_set_issuer_name(x.get(), in);
  X509_set_subject_name(x.get(), sn);
  X509_NAME_free(in);
  X509_NAME_free(sn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400);
  X509_set_pubkey(x.get(), key.pkey.get());
  REQUIRE(X509_sign(x.get(), key.pkey.get(), EVP_sha256()) > 0);
  unsigned char* d = nullptr;
  const int len = i2d_X509(x.get(), &d);
  std::string der(reinterpret_cast<char*>(d), len);
  OPENSSL_free(d);
  return der;
}

std::string self_signed(const std::vector<Rdn>& name) { return cert_with(name, name); }

std::string_view id_of(const std::string& der) {
  const DeviceInfo* d = recognise_device(der);
  return d ? d->id : std::string_view("(none)");
}

}  // namespace

TEST_CASE("Device table: ids are unique, every row says what the device is and how to fix it", "[devices]") {
  std::set<std::string_view> ids;
  const std::regex placeholder(R"(\{([a-z0-9_]+)\})");
  const std::set<std::string> known = {"host", "cert", "key", "chain", "pkcs12", "csr"};
  const auto rows = device_table();
  REQUIRE(rows.size() >= 10);
  for (const DeviceInfo* d : rows) {
    INFO(d->id);
    CHECK(ids.insert(d->id).second);
    CHECK(find_device(d->id) == d);
    CHECK_FALSE(d->vendor.empty());
    CHECK_FALSE(d->product.empty());
    CHECK_FALSE(d->install_hint.empty());
    CHECK_FALSE(d->serial_fact.empty());
    CHECK_FALSE(d->source.empty());
    // A device that keeps its key must have a way to produce its CSR or say where.
    if (d->upload == DeviceUpload::cert_for_its_csr) CHECK_FALSE(d->csr_command.empty());
    for (std::string_view tpl : {d->csr_command, d->upload_command}) {
      const std::string s(tpl);
      for (std::sregex_iterator it(s.begin(), s.end(), placeholder), end; it != end; ++it) {
        CHECK(known.count((*it)[1].str()) == 1);
      }
    }
  }
  CHECK(find_device("no-such-device") == nullptr);
  CHECK(to_string(CollisionKind::twins) == "twins");
  CHECK(to_string(CollisionKind::remade) == "re-made");
}

TEST_CASE("Device table: factory certificates are recognised from their issuer and subject attributes", "[devices]") {
  const std::vector<Rdn> idrac_ca = {{"C", "US"}, {"ST", "Texas"}, {"L", "Round Rock"}, {"O", "Dell Inc."},
                                     {"OU", "Remote Access Group"}, {"CN", "iDRAC default certificate"}};
  CHECK(id_of(self_signed(idrac_ca)) == "dell-idrac");
  // Another generation's name, another case, a per-box subject: still an iDRAC.
  CHECK(id_of(cert_with({{"O", "Dell Inc."}, {"OU", "iDRAC Group"}, {"CN", "idrac-ABC1234"}},
                        {{"CN", "idrac-ABC1234"}})) == "dell-idrac");
  const DeviceInfo* idrac = recognise_device(self_signed(idrac_ca));
  REQUIRE(idrac != nullptr);
  CHECK(idrac->vendor == "Dell");
  CHECK(idrac->collision == CollisionKind::twins);
  CHECK(idrac->upload_command.find("sslcertupload") != std::string_view::npos);

  const DeviceInfo* ilo = recognise_device(cert_with(
      {{"C", "US"}, {"O", "Hewlett Packard Enterprise"}, {"OU", "ISS"}, {"CN", "Default Issuer (Do not trust)"}},
      {{"O", "Hewlett Packard Enterprise"}, {"CN", "ILOCZ1234567"}}));
  REQUIRE(ilo != nullptr);
  CHECK(ilo->id == "hpe-ilo");
  CHECK(ilo->upload == DeviceUpload::cert_for_its_csr);
  CHECK(id_of(cert_with({{"O", "Hewlett-Packard Company"}, {"CN", "iLO Default Issuer (Do not trust)"}},
                        {{"CN", "ILO2M2"}})) == "hpe-ilo");

  const DeviceInfo* ios = recognise_device(self_signed({{"CN", "IOS-Self-Signed-Certificate-3735928559"}}));
  REQUIRE(ios != nullptr);
  CHECK(ios->id == "cisco-ios");
  CHECK(ios->collision == CollisionKind::remade);
  CHECK(id_of(self_signed({{"CN", "ASA Temporary Self Signed Certificate"}})) == "cisco-asa");
  CHECK(id_of(cert_with({{"CN", "Proxmox Virtual Environment"}, {"OU", "0f4b1c9e-2a3d"}, {"O", "PVE Cluster Manager CA"}},
                        {{"OU", "PVE Cluster Node"}, {"O", "Proxmox Virtual Environment"}, {"CN", "pve1.lan"}})) ==
        "proxmox-ve");
  CHECK(id_of(self_signed({{"C", "US"}, {"O", "iXsystems"}, {"CN", "localhost"}, {"emailAddress", "info@ixsystems.com"}})) ==
        "truenas");
  CHECK(id_of(self_signed({{"CN", "IPMI"}, {"OU", "Software"}, {"O", "Super Micro Computer"}})) == "supermicro-bmc");
  CHECK(id_of(self_signed({{"CN", "UniFi"}, {"OU", "UniFi"}, {"O", "ubnt.com"}})) == "ubiquiti-unifi");
  CHECK(id_of(cert_with({{"O", "VMware Installer"}}, {{"OU", "VMware ESX Server Default Certificate"}, {"CN", "esx1"}})) ==
        "vmware-esxi");
  CHECK(id_of(self_signed({{"CN", "FGT60E1234567890"}, {"OU", "FortiGate"}, {"O", "Fortinet"}})) ==
        "fortinet-fortigate");
}

TEST_CASE("Device table: attributes are compared as parsed values, not as a printed name", "[devices]") {
  // The same iDRAC names as BMPString (UTF-16) and in another order: one device.
  const std::string bmp = self_signed({{"CN", "iDRAC default certificate", V_ASN1_BMPSTRING}});
  CHECK(bmp.find(std::string("\0i\0D\0R\0A\0C", 10)) != std::string::npos);
  CHECK(id_of(self_signed({{"CN", "iDRAC default certificate", V_ASN1_BMPSTRING},
                           {"OU", "Remote Access Group", V_ASN1_BMPSTRING},
                           {"O", "Dell Inc.", V_ASN1_BMPSTRING}})) == "dell-idrac");
  // One attribute whose value prints like the iDRAC's distinguished name is not those attributes.
  CHECK(id_of(self_signed({{"CN", "iDRAC default certificate,OU=Remote Access Group,O=Dell Inc."}})) == "(none)");
  CHECK(id_of(self_signed({{"O", "Dell Inc., OU=Remote Access Group"}, {"CN", "iDRAC default certificate"}})) ==
        "(none)");
  // The attribute type matters: the vendor's name as an OU is not its O.
  CHECK(id_of(self_signed({{"OU", "Dell Inc."}, {"OU", "Remote Access Group"}, {"CN", "iDRAC default certificate"}})) ==
        "(none)");
  // Near misses of exact names.
  CHECK(id_of(self_signed({{"CN", "ASA Temporary Self Signed Certificate "}})) == "(none)");
  CHECK(id_of(self_signed({{"CN", "ios-self-signed-certificate-1"}})) == "(none)");
  // The iLO's name in the subject only is not the iLO's issuer.
  CHECK(id_of(cert_with({{"CN", "Example CA"}},
                        {{"O", "Hewlett Packard Enterprise"}, {"CN", "Default Issuer (Do not trust)"}})) == "(none)");
}

TEST_CASE("Device table: ordinary certificates and garbage match no row", "[devices]") {
  CHECK(recognise_device(self_signed({{"CN", "nas.example.test"}, {"O", "Example"}})) == nullptr);
  CHECK(recognise_device("") == nullptr);
  CHECK(recognise_device("not a certificate") == nullptr);
  const std::string der = self_signed({{"CN", "ASA Temporary Self Signed Certificate"}});
  CHECK(recognise_device(std::string_view(der).substr(0, der.size() - 10)) == nullptr);
}

TEST_CASE("Device table: command templates are filled with shell-quoted values", "[devices]") {
  const DeviceInfo* idrac = find_device("dell-idrac");
  REQUIRE(idrac != nullptr);
  const std::string cmd = device_command(idrac->upload_command,
                                         {{"host", "10.0.0.5"}, {"key", "it's.key.pem"}, {"cert", "a b.pem"}});
  CHECK(cmd ==
        "racadm -r '10.0.0.5' -u root sslkeyupload -t 1 -f 'it'\"'\"'s.key.pem'\n"
        "racadm -r '10.0.0.5' -u root sslcertupload -t 1 -f 'a b.pem'");
  // A placeholder without a value stays visible; braces that are not placeholders stay as they are.
  CHECK(device_command("x {csr} y", {}) == "x {csr} y");
  CHECK(device_command("jq '{Certificate: .}' {cert}", {{"cert", "c.pem"}}) == "jq '{Certificate: .}' 'c.pem'");
  const DeviceInfo* ilo = find_device("hpe-ilo");
  REQUIRE(ilo != nullptr);
  const std::string up = device_command(ilo->upload_command, {{"host", "ilo1"}, {"cert", "c.pem"}});
  CHECK(up.find("https://'ilo1'/redfish/v1/") != std::string::npos);
  CHECK(up.find("{cert}") == std::string::npos);
}
