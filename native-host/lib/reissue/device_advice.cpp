#include "reissue/device_advice.hpp"

#include "base/text.hpp"
#include "reissue/reissue.hpp"

namespace certdoctor {

nlohmann::json device_advice(const DeviceInfo& d, const std::string& url, const std::string& host) {
  // The files as `certdoctor reissue` writes them in the current folder; the device's CSR saved next to them.
  const auto file = [&](const std::string& role) { return reissue_file(".", host, role).string(); };
  const std::string csr = "./" + std::string(host) + ".csr";
  const std::vector<std::pair<std::string, std::string>> values = {
      {"host", host},          {"cert", file("certificate")}, {"key", file("key")},
      {"chain", file("chain")}, {"pkcs12", file("pkcs12")},   {"csr", csr}};
  std::string reissue = "certdoctor reissue " + shell_quote(url);
  if (d.upload == DeviceUpload::cert_for_its_csr) reissue += " --csr " + shell_quote(csr);
  if (d.upload == DeviceUpload::pkcs12) reissue += " --pkcs12";
  nlohmann::json j = {{"id", d.id},
                      {"vendor", d.vendor},
                      {"product", d.product},
                      {"collision", to_string(d.collision)},
                      {"upload", to_string(d.upload)},
                      {"install_hint", d.install_hint},
                      {"serial_fact", d.serial_fact},
                      {"serial_fact_confirmed", d.serial_fact_confirmed},
                      {"source", d.source},
                      {"reissue_command", reissue}};
  if (!d.csr_command.empty()) j["csr_command"] = device_command(d.csr_command, values);
  if (!d.upload_command.empty()) j["upload_command"] = device_command(d.upload_command, values);
  return j;
}

}  // namespace certdoctor
