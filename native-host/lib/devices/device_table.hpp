// The one table of devices whose factory certificates can break each other in Firefox: which certificate shapes
// belong to which device (matched on the parsed issuer and subject attributes), what kind of collision the
// device makes, and how a proper certificate gets onto it. Facts come from public scans and vendors' guides
// (see the sources in each row); what no source confirms is marked so and never shown as certain.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace certdoctor {

// twins: one factory identity (issuer name and serial) on every device of the kind. Two of them collide once one
// is accepted through a trust anchor (their CA trusted in the profile) or stored in the profile; accepted only
// through an exception, rarely (measured: tests/truth/sequences.json, firefox/held_identity.hpp).
// remade: each device has its own name, but re-makes its certificate (new key) with the same serial, so its
// old certificate and its new one collide on the same terms.
enum class CollisionKind { twins, remade };
std::string_view to_string(CollisionKind k);  // "twins", "re-made"

// What the device takes as its new certificate: our key and certificate (PEM), a PKCS#12 bundle, or only a
// certificate for a key it keeps (it makes the CSR itself: sign it with `certdoctor reissue --csr`).
enum class DeviceUpload { key_and_cert, pkcs12, cert_for_its_csr };
std::string_view to_string(DeviceUpload u);  // "key_and_cert", "pkcs12", "cert_for_its_csr"

struct DeviceInfo {
  std::string_view id, vendor, product;
  CollisionKind collision;
  std::string_view install_hint;  // in words: where on the device a certificate is installed
  // Commands, as templates: {host}, {cert}, {key}, {chain}, {pkcs12}, {csr} are filled (shell-quoted) by
  // device_command(). Empty when no source gives a command (the device has only its web interface).
  std::string_view csr_command;     // makes the device's CSR (run where install_hint says)
  std::string_view upload_command;  // installs the new certificate (and key) on the device
  DeviceUpload upload;
  std::string_view serial_fact;   // what is known of the device's factory serials, in words
  bool serial_fact_confirmed;     // false: no source confirmed it; say so wherever it is shown
  std::string_view source;        // where the facts come from
};

// The row whose issuer and subject attributes the certificate has; nullptr when no row matches or the bytes
// are not a certificate.
const DeviceInfo* recognise_device(std::string_view cert_der);

std::vector<const DeviceInfo*> device_table();  // every row, in table order
const DeviceInfo* find_device(std::string_view id);

// Fills a command template: each {name} (lower case, digits, '_') becomes the shell-quoted value of `name`. A placeholder without a value
// stays as it is (visible, never silently empty).
std::string device_command(std::string_view tpl, const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace certdoctor
