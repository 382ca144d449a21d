#include "devices/device_table.hpp"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include "base/text.hpp"
#include "certificate/cert_info.hpp"

namespace certdoctor {

namespace {

// One condition on a certificate: some attribute of the given type in the issuer (or subject) Name holds one
// of the values. Attributes are compared as parsed UTF-8 values, never as a printed distinguished name, so that
// escaping, attribute order and string types do not matter.
enum class In { issuer, subject };
enum class Op { equals, starts_with, starts_with_nocase };
struct Attr {
  In in;
  int nid;  // NID_commonName, ...; 0 ends the list
  Op op;
  std::array<std::string_view, 4> any_of;
};

struct DeviceRow {
  DeviceInfo info;
  std::array<Attr, 3> all_of;  // every condition must hold
};

using enum CollisionKind;
using enum DeviceUpload;

// Sources: rapid7/recog x509_subjects.xml and x509_issuers.xml (the names), the vendors' guides for the
// commands; each row names the rest. Order matters only where rows could overlap (none do today).
const DeviceRow kDevices[] = {
    {{.id = "dell-idrac",
      .vendor = "Dell",
      .product = "iDRAC (server remote access controller)",
      .collision = twins,
      .install_hint = "The iDRAC takes a key and certificate through RACADM (or its web interface: iDRAC Settings, "
                      "Services, Web Server); it can also make a CSR itself. If it still shows the old certificate, "
                      "reset the iDRAC.",
      .csr_command = "racadm -r {host} -u root sslcsrgen -g -f {csr}",
      .upload_command = "racadm -r {host} -u root sslkeyupload -t 1 -f {key}\n"
                        "racadm -r {host} -u root sslcertupload -t 1 -f {cert}",
      .upload = key_and_cert,
      .serial_fact = "Every iDRAC's factory certificate has the same issuer name, and Dell's own examples show "
                     "serial 00 or 01: an operations guide reports every box with the same issuer, name and serial.",
      .serial_fact_confirmed = true,
      .source = "recog x509 fingerprints; Dell RACADM guide; ceph/sepia doc/drac/ssl-certs.rst"},
     {{{In::issuer, NID_organizationName, Op::equals, {"Dell Inc."}},
       {In::issuer, NID_organizationalUnitName, Op::equals, {"Remote Access Group", "iDRAC Group"}},
       {In::issuer, NID_commonName, Op::starts_with_nocase, {"idrac", "drac"}}}}},

    {{.id = "hpe-ilo",
      .vendor = "Hewlett Packard Enterprise",
      .product = "iLO (server remote management)",
      .collision = remade,
      .install_hint = "The iLO keeps its key: have it make a CSR (Redfish or its web interface: Security, SSL "
                      "Certificate), sign that with 'certdoctor reissue --csr', and import the certificate.",
      .csr_command = "jq -n --arg cn {host} "
                     "'{CommonName: $cn, Country: \"US\", State: \"-\", City: \"-\", OrgName: \"-\", OrgUnit: \"-\"}' "
                     "| curl -k -u Administrator -H 'Content-Type: application/json' -d @- "
                     "https://{host}/redfish/v1/Managers/1/SecurityService/HttpsCert/Actions/HpeHttpsCert.GenerateCSR\n"
                     "curl -k -u Administrator https://{host}/redfish/v1/Managers/1/SecurityService/HttpsCert/ "
                     "| jq -r .CertificateSigningRequest > {csr}",
      .upload_command = "jq -Rs '{Certificate: .}' {cert} | curl -k -u Administrator -H 'Content-Type: "
                        "application/json' -d @- "
                        "https://{host}/redfish/v1/Managers/1/SecurityService/HttpsCert/Actions/"
                        "HpeHttpsCert.ImportCertificate",
      .upload = cert_for_its_csr,
      .serial_fact = "Every iLO's factory certificate has the same issuer name; scans show random serials, but an "
                     "HPE forum thread reports firmware up to 1.82 keeping the serial when it re-made the "
                     "certificate with a new key.",
      .serial_fact_confirmed = true,
      .source = "recog x509 fingerprints; HPE iLO Redfish API (HpeHttpsCert); HPE community forum"},
     {{{In::issuer, NID_commonName, Op::equals, {"Default Issuer (Do not trust)", "iLO Default Issuer (Do not trust)"}},
       {In::issuer, NID_organizationName, Op::equals, {"Hewlett Packard Enterprise", "Hewlett-Packard Company"}}}}},

    {{.id = "cisco-ios",
      .vendor = "Cisco",
      .product = "IOS / IOS-XE (router or switch)",
      .collision = remade,
      .install_hint = "On the device's console, in configuration mode: a trustpoint with terminal enrollment makes "
                      "the CSR; paste it into a file and sign it with 'certdoctor reissue --csr', then authenticate "
                      "the issuing CA and import the certificate (both pasted), and point the web server at the "
                      "trustpoint.",
      .csr_command = "crypto pki trustpoint certdoctor\n enrollment terminal pem\n revocation-check none\n"
                     "crypto pki enroll certdoctor",
      .upload_command = "crypto pki authenticate certdoctor\ncrypto pki import certdoctor certificate\n"
                        "ip http secure-trustpoint certdoctor",
      .upload = cert_for_its_csr,
      .serial_fact = "The factory certificate is self-signed with serial 01; the number in its name differs per "
                     "device, so the usual collision is one device that re-made its certificate.",
      .serial_fact_confirmed = true,
      .source = "recog x509 fingerprints; Cisco IOS PKI configuration guide"},
     {{{In::subject, NID_commonName, Op::starts_with, {"IOS-Self-Signed-Certificate-"}}}}},

    {{.id = "cisco-asa",
      .vendor = "Cisco",
      .product = "ASA (firewall)",
      .collision = twins,
      .install_hint = "On the ASA's console: import the PKCS#12 bundle into a trustpoint (paste the base64 text "
                      "when asked) and use that trustpoint for the interface the browser reaches.",
      .csr_command = "",
      .upload_command = "base64 {pkcs12}\n"
                        "crypto ca import certdoctor pkcs12 PASSWORD\n"
                        "ssl trust-point certdoctor outside",
      .upload = pkcs12,
      .serial_fact = "Every ASA's temporary certificate has the same name and nothing else; no source gives its "
                     "serials.",
      .serial_fact_confirmed = false,
      .source = "recog x509 fingerprints; Cisco ASA configuration guide"},
     {{{In::subject, NID_commonName, Op::equals, {"ASA Temporary Self Signed Certificate"}}}}},

    {{.id = "vmware-esxi",
      .vendor = "VMware",
      .product = "ESXi host",
      .collision = twins,
      .install_hint = "Copy the key and certificate to /etc/vmware/ssl/rui.key and rui.crt on the host (SSH "
                      "enabled), then restart its management agents.",
      .csr_command = "",
      .upload_command = "scp {cert} root@{host}:/etc/vmware/ssl/rui.crt\n"
                        "scp {key} root@{host}:/etc/vmware/ssl/rui.key",
      .upload = key_and_cert,
      .serial_fact = "The factory certificates share the installer's issuer name; no source gives their serials.",
      .serial_fact_confirmed = false,
      .source = "recog x509 fingerprints; VMware ESXi certificate guide"},
     {{{In::issuer, NID_organizationName, Op::equals, {"VMware Installer"}}}}},

    {{.id = "proxmox-ve",
      .vendor = "Proxmox",
      .product = "Proxmox VE node",
      .collision = remade,
      .install_hint = "Hosts cloned from one template share the cluster CA and its serial counter: on a clone, "
                      "remove /etc/pve/priv/pve-root-ca.key and /etc/pve/pve-root-ca.pem and run 'pvecm "
                      "updatecerts -f'. Or install a proper certificate with 'pvenode cert set'.",
      .csr_command = "",
      .upload_command = "scp {cert} root@{host}:/root/certdoctor.pem\n"
                        "scp {key} root@{host}:/root/certdoctor.key\n"
                        "ssh root@{host} pvenode cert set /root/certdoctor.pem /root/certdoctor.key --force 1 "
                        "--restart 1",
      .upload = key_and_cert,
      .serial_fact = "The cluster CA numbers its node certificates from 01 (pve-cluster's Setup.pm): hosts cloned "
                     "from one template issue the same serials.",
      .serial_fact_confirmed = true,
      .source = "recog x509 fingerprints; pve-cluster Setup.pm; pvenode(1)"},
     {{{In::issuer, NID_organizationName, Op::equals, {"PVE Cluster Manager CA"}},
       {In::issuer, NID_commonName, Op::equals, {"Proxmox Virtual Environment"}}}}},

    {{.id = "truenas",
      .vendor = "iXsystems",
      .product = "TrueNAS",
      .collision = twins,
      .install_hint = "In the web interface: Credentials, Certificates, Add (import the key and certificate); then "
                      "choose it as the web interface's HTTPS certificate (System Settings, General, GUI).",
      .csr_command = "",
      .upload_command = "",
      .upload = key_and_cert,
      .serial_fact = "Every box has the same name; its serial is a random number between 1000 and 2^30 from a "
                     "non-cryptographic generator (middleware generate_utils.py): collisions are likely in large "
                     "fleets.",
      .serial_fact_confirmed = true,
      .source = "recog x509 fingerprints; truenas middleware generate_utils.py"},
     {{{In::subject, NID_organizationName, Op::equals, {"iXsystems"}},
       {In::subject, NID_commonName, Op::equals, {"localhost"}}}}},

    {{.id = "supermicro-bmc",
      .vendor = "Supermicro",
      .product = "BMC (IPMI)",
      .collision = twins,
      .install_hint = "Upload the key and certificate on the BMC web interface's SSL certificate page.",
      .csr_command = "",
      .upload_command = "",
      .upload = key_and_cert,
      .serial_fact = "Every BMC's certificate has the same name; no source gives its serials.",
      .serial_fact_confirmed = false,
      .source = "recog x509 fingerprints"},
     {{{In::subject, NID_organizationName, Op::starts_with, {"Super Micro Computer"}},
       {In::subject, NID_commonName, Op::equals, {"IPMI"}}}}},

    {{.id = "ubiquiti-unifi",
      .vendor = "Ubiquiti",
      .product = "UniFi controller",
      .collision = twins,
      .install_hint = "No source we know confirms how to install a certificate on it: see Ubiquiti's documentation "
                      "for your controller's version.",
      .csr_command = "",
      .upload_command = "",
      .upload = key_and_cert,
      .serial_fact = "Every controller's certificate has the same name; no source gives its serials.",
      .serial_fact_confirmed = false,
      .source = "recog x509 fingerprints"},
     {{{In::subject, NID_organizationName, Op::equals, {"ubnt.com"}},
       {In::subject, NID_commonName, Op::equals, {"UniFi"}}}}},

    {{.id = "synology",
      .vendor = "Synology",
      .product = "DiskStation (DSM)",
      .collision = twins,
      .install_hint = "In DSM's Control Panel (Security, Certificate): import the key and certificate and make it "
                      "the default.",
      .csr_command = "",
      .upload_command = "",
      .upload = key_and_cert,
      .serial_fact = "Every box's factory certificate has the same name; no source gives its serials.",
      .serial_fact_confirmed = false,
      .source = "recog x509 fingerprints"},
     {{{In::subject, NID_organizationName, Op::equals, {"Synology Inc."}},
       {In::subject, NID_commonName, Op::equals, {"synology.com"}}}}},

    {{.id = "qnap",
      .vendor = "QNAP",
      .product = "NAS (QTS)",
      .collision = twins,
      .install_hint = "In QTS's Control Panel (Security, SSL certificate): replace the certificate by importing the "
                      "key and certificate.",
      .csr_command = "",
      .upload_command = "",
      .upload = key_and_cert,
      .serial_fact = "Every box's factory certificate has the same name; no source gives its serials.",
      .serial_fact_confirmed = false,
      .source = "recog x509 fingerprints"},
     {{{In::subject, NID_organizationName, Op::equals, {"QNAP Systems, Inc."}},
       {In::subject, NID_commonName, Op::equals, {"QNAP NAS"}}}}},

    {{.id = "fortinet-fortigate",
      .vendor = "Fortinet",
      .product = "FortiGate (firewall)",
      .collision = remade,
      .install_hint = "Import the PKCS#12 bundle as a local certificate (System, Certificates, Import), then make "
                      "it the administration certificate on the CLI.",
      .csr_command = "",
      .upload_command = "config system global\n set admin-server-cert certdoctor\nend",
      .upload = pkcs12,
      .serial_fact = "Each device's certificate is named after the device's serial number; no source gives the "
                     "certificate's serials.",
      .serial_fact_confirmed = false,
      .source = "recog x509 fingerprints; FortiOS CLI reference"},
     {{{In::subject, NID_organizationName, Op::equals, {"Fortinet"}},
       {In::subject, NID_organizationalUnitName, Op::equals, {"FortiGate"}}}}},

    {{.id = "apc-nmc",
      .vendor = "APC (Schneider Electric)",
      .product = "Network Management Card (UPS, PDU)",
      .collision = remade,
      .install_hint = "Convert the key and certificate with APC's Security Wizard and upload the result to the card.",
      .csr_command = "",
      .upload_command = "",
      .upload = key_and_cert,
      .serial_fact = "Each card's issuer is named after the card's serial number; no source gives the "
                     "certificate's serials.",
      .serial_fact_confirmed = false,
      .source = "recog x509 fingerprints"},
     {{{In::issuer, NID_organizationName, Op::equals, {"American Power Conversion Corp"}},
       {In::issuer, NID_organizationalUnitName, Op::equals, {"Internally Generated Certificate"}}}}},
};

bool nocase_starts_with(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool value_matches(std::string_view value, const Attr& a) {
  for (std::string_view want : a.any_of) {
    if (want.empty()) continue;
    switch (a.op) {
      case Op::equals: if (value == want) return true; break;
      case Op::starts_with: if (value.starts_with(want)) return true; break;
      case Op::starts_with_nocase: if (nocase_starts_with(value, want)) return true; break;
    }
  }
  return false;
}

// Whether some attribute of type `a.nid` in `name` holds a wanted value (decoded to UTF-8 whatever its string
// type: PrintableString, UTF8String, BMPString, ...).
bool name_matches(const X509_NAME* name, const Attr& a) {
  for (int i = X509_NAME_get_index_by_NID(name, a.nid, -1); i >= 0; i = X509_NAME_get_index_by_NID(name, a.nid, i)) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n < 0) continue;
    const bool hit = value_matches(std::string_view(reinterpret_cast<const char*>(utf8), n), a);
    OPENSSL_free(utf8);
    if (hit) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(CollisionKind k) { return k == CollisionKind::twins ? "twins" : "re-made"; }

std::string_view to_string(DeviceUpload u) {
  switch (u) {
    case DeviceUpload::key_and_cert: return "key_and_cert";
    case DeviceUpload::pkcs12: return "pkcs12";
    case DeviceUpload::cert_for_its_csr: return "cert_for_its_csr";
  }
  return "";
}

namespace {

using NamePtr = std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)>;

NamePtr decode_name(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return NamePtr(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())), X509_NAME_free);
}

}  // namespace

const DeviceInfo* recognise_device(std::string_view cert_der) {
  // Only the two names are decoded: a whole certificate costs OpenSSL 3.0 its public key too (about 150 us through
  // the decoder framework), and the fleet audit asks this of every certificate it reads.
  const auto keys = cert_keys(cert_der);
  if (!keys) return nullptr;
  const NamePtr issuer = decode_name(keys->issuer_der), subject = decode_name(keys->subject_der);
  if (!issuer || !subject) return nullptr;
  for (const DeviceRow& row : kDevices) {
    const bool all = std::all_of(row.all_of.begin(), row.all_of.end(), [&](const Attr& a) {
      return a.nid == 0 || name_matches(a.in == In::issuer ? issuer.get() : subject.get(), a);
    });
    if (all) return &row.info;
  }
  return nullptr;
}

std::vector<const DeviceInfo*> device_table() {
  std::vector<const DeviceInfo*> out;
  for (const DeviceRow& row : kDevices) out.push_back(&row.info);
  return out;
}

const DeviceInfo* find_device(std::string_view id) {
  for (const DeviceRow& row : kDevices) {
    if (row.info.id == id) return &row.info;
  }
  return nullptr;
}

std::string device_command(std::string_view tpl, const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out;
  std::size_t i = 0;
  while (i < tpl.size()) {
    const std::size_t open = tpl.find('{', i);
    if (open == std::string_view::npos) break;
    const std::size_t close = tpl.find('}', open);
    if (close == std::string_view::npos) break;
    const std::string_view name = tpl.substr(open + 1, close - open - 1);
    // Only {lower_case} is a placeholder: braces of a JSON filter or a device's syntax stay as they are.
    const bool placeholder = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!placeholder) {
      out.append(tpl.substr(i, close + 1 - i));
      i = close + 1;
      continue;
    }
    const auto it = std::find_if(values.begin(), values.end(), [&](const auto& kv) { return kv.first == name; });
    out.append(tpl.substr(i, open - i));
    if (it != values.end()) out += shell_quote(it->second);
    else out.append(tpl.substr(open, close - open + 1));
    i = close + 1;
  }
  out.append(tpl.substr(std::min(i, tpl.size())));
  return out;
}

}  // namespace certdoctor
