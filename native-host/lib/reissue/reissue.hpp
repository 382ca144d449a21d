// The permanent fix for devices that share a certificate identity: a replacement certificate of its own for
// one device. A new key (or the key of a CSR the device made), a serial of 127 random bits, the names the admin
// confirmed (the URL's host, names given one by one, served names only when asked for), and the extensions Firefox needs for a server; self-signed, signed by the admin's CA, or (for a
// CSR without a CA) signed by a CA made for this one certificate whose key is thrown away. OpenSSL does the
// cryptography; the files are written next to nothing: an existing file is never overwritten.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "devices/device_table.hpp"

namespace certdoctor {

struct ReissueResult;

struct ReissueRequest {
  std::string host;          // how the device is reached: the URL's host (lower case, IPv6 without brackets)
  bool host_is_ip = false;
  std::string served_der;    // the certificate the device serves now (may be empty): its device, and names to offer
  std::vector<std::string> names;   // more names the admin gives one by one (DNS names, wildcards, addresses)
  bool accept_served_names = false;  // also the served names inside the URL host's registrable domain
  // Called with the result's names (and signer) after every check and before anything is signed or written.
  std::function<void(const ReissueResult&)> before_signing;
  std::filesystem::path ca_cert, ca_key;  // the admin's CA (PEM), both or neither
  std::filesystem::path csr;              // a CSR the device made (PEM or DER): sign its key instead of making one
  std::filesystem::path out_dir = ".";
  int days = 397;
  std::string key_type = "rsa2048";  // "rsa2048", "rsa3072", "rsa4096", "ec-p256", "ec-p384"
  bool pkcs12 = false;
  std::optional<std::string> pkcs12_password;  // required with pkcs12
};

struct ReissuedFile {
  std::string role;  // "key", "certificate", "chain", "ca", "pkcs12"
  std::filesystem::path path;
};

struct ReissueResult {
  std::string cert_der;
  std::string serial_hex;            // the DER INTEGER's content octets, lower-case hex
  std::vector<std::string> names;    // subjectAltName entries: "DNS:name", "IP:address"
  std::vector<std::string> served_names;  // every name the served certificate holds, "DNS:x" / "IP:a"
  std::vector<std::string> skipped;  // served names left out, each with why
  std::string signer;                // "self-signed", "ca", "one-off-ca"
  std::vector<ReissuedFile> files;   // in the order written
  const DeviceInfo* device = nullptr;  // what the served certificate says the device is
  std::string upload_command;        // the device's upload command, filled with these files
  std::vector<std::string> notes;    // what the admin must know next (trust, formats), in words
};

// Throws RequestError: "invalid_field" for unusable input (a CA that is not one, a key that does not match, a
// CSR whose signature fails, a missing password), "file_exists" when any output file exists (nothing is written),
// "write_failed" when writing fails (what was written is removed again).
ReissueResult reissue(const ReissueRequest& request);

// The file names reissue writes for a host, in `out_dir` (also what the diagnosis' commands refer to).
std::filesystem::path reissue_file(const std::filesystem::path& out_dir, const std::string& host,
                                   const std::string& role);

nlohmann::json to_json(const ReissueResult& r);

}  // namespace certdoctor
