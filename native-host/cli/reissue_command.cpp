#include "reissue_command.hpp"

#include <iostream>
#include <fstream>

#include "base/request_error.hpp"
#include "base/text.hpp"
#include "fetch/tls_fetch.hpp"
#include "fetch/url.hpp"
#include "reissue/reissue.hpp"

namespace certdoctor {

ReissueCommand::ReissueCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("reissue", "Make a replacement key and certificate of its own for a device that shares "
                                       "its certificate's issuer and serial with another");
  cmd_->add_option("url", url_, "https URL (or HOST[:PORT]) the device is reached by")->required();
  auto* ca = cmd_->add_option("--ca", ca_, "your CA's certificate (PEM) to sign with (default: self-signed)");
  auto* ca_key = cmd_->add_option("--ca-key", ca_key_, "your CA's private key (PEM, unencrypted)");
  ca->needs(ca_key);
  ca_key->needs(ca);
  cmd_->add_option("--csr", csr_, "a CSR the device made: sign its key instead of making one (its subject is "
                                  "replaced by the URL's host)");
  cmd_->add_option("--name", names_, "one more name for the certificate (DNS name, *.wildcard or IP address); "
                                     "repeatable. By default the certificate names only the URL's host")
      ->take_last()->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd_->add_flag("--accept-served-names", accept_served_,
                 "also name what the device's certificate names, inside the URL host's registrable domain "
                 "(never a wildcard or another domain: give those with --name)");
  cmd_->add_option("--out", out_, "folder to write the files to (default: the current folder)")->default_val(".");
  cmd_->add_option("--days", days_, "validity in days")->default_val(397)->check(CLI::Range(1, 3650));
  cmd_->add_option("--key-type", key_type_, "rsa2048 (what most devices take), rsa3072, rsa4096, ec-p256, ec-p384")
      ->check(CLI::IsMember({"rsa2048", "rsa3072", "rsa4096", "ec-p256", "ec-p384"}))->default_val("rsa2048");
  auto* p12 = cmd_->add_flag("--pkcs12", pkcs12_, "also write a PKCS#12 bundle (key, certificate, chain)");
  cmd_->add_option("--password-file", password_file_, "the PKCS#12 password: first line of FILE, or - for standard input")
      ->needs(p12);
  cmd_->add_option("--resolve", resolve_, "HOST:PORT:ADDRESS - connect to ADDRESS for HOST:PORT, like curl")->take_all();
  cmd_->add_option("--proxy", proxy_, "HTTP proxy to tunnel through, http://[user:pass@]host:port");
  cmd_->add_flag("--json", json_, "print the result as one JSON object");
}

namespace {

// The first line of a file or of standard input, without its line ending.
std::string read_password(const std::string& source) {
  std::string line;
  if (source == "-") {
    std::getline(std::cin, line);
  } else {
    std::ifstream in(source);
    if (!in) throw RequestError("invalid_field", "cannot read the password file " + source);
    std::getline(in, line);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

std::optional<int> ReissueCommand::run() const {
  if (!cmd_->parsed()) return std::nullopt;
  const Target target = parse_target(url_);
  ReissueRequest r;
  r.host = target.host;
  r.host_is_ip = target.host_is_ip;
  r.ca_cert = ca_;
  r.ca_key = ca_key_;
  r.csr = csr_;
  r.names = names_;
  r.accept_served_names = accept_served_;
  // What will be certified, before anything is signed: on standard error, so that --json stays one object.
  r.before_signing = [](const ReissueResult& plan) {
    std::cerr << "certdoctor: the certificate will name:";
    for (const auto& n : plan.names) std::cerr << " " << printable(n);
    std::cerr << "\n";
    for (const auto& s : plan.skipped) std::cerr << "  left out: " << printable(s) << "\n";
  };
  r.out_dir = out_;
  r.days = days_;
  r.key_type = key_type_;
  r.pkcs12 = pkcs12_;
  if (pkcs12_) r.pkcs12_password = read_password(password_file_.empty() ? "-" : password_file_);

  // The device's current certificate gives the names it is reached by and what device it is.
  FetchOptions fo;
  fo.target = target;
  for (const auto& spec : resolve_) fo.resolve.push_back(parse_resolve(spec));
  if (!proxy_.empty()) fo.proxy = parse_proxy(proxy_);
  const FetchResult fetched = fetch_chain(fo);
  if (!fetched.chain_der.empty()) {
    r.served_der = fetched.chain_der.front();
  } else {
    std::cerr << "certdoctor: could not fetch " << printable(target.authority())
              << "'s certificate; the new one names only " << printable(target.host) << "\n";
  }

  const ReissueResult result = reissue(r);
  if (json_) {
    std::cout << inert_json(to_json(result).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) << "\n";
    return 0;
  }
  std::cout << "New certificate for " << printable(target.host) << ": serial " << result.serial_hex << " ("
            << result.serial_hex.size() * 4 << " bits, random), "
            << (result.signer == "self-signed" ? "self-signed" : result.signer == "ca" ? "signed by your CA"
                                                                                       : "signed by a one-off CA")
            << "\n  names:";
  for (const auto& n : result.names) std::cout << " " << printable(n);
  std::cout << "\n";
  for (const auto& s : result.skipped) std::cout << "  left out: " << printable(s) << "\n";
  std::cout << "Written (no file was replaced):\n";
  for (const auto& f : result.files) {
    std::cout << "  " << f.role << std::string(12 - std::min<std::size_t>(f.role.size(), 11), ' ')
              << printable(f.path.string()) << (f.role == "key" || f.role == "pkcs12" ? "  (mode 0600: keep it secret)" : "")
              << "\n";
  }
  if (result.device) {
    std::cout << "The device is a " << result.device->vendor << " " << result.device->product << ". "
              << result.device->install_hint << "\n";
    if (!result.upload_command.empty()) {
      std::cout << "To install it:\n";
      for (std::size_t start = 0; start < result.upload_command.size();) {
        std::size_t end = result.upload_command.find('\n', start);
        if (end == std::string::npos) end = result.upload_command.size();
        std::cout << "  " << printable(result.upload_command.substr(start, end - start)) << "\n";
        start = end + 1;
      }
    }
  } else {
    std::cout << "Install the key and certificate (or the chain) as the device's web server certificate.\n";
  }
  for (const auto& n : result.notes) std::cout << printable(n) << "\n";
  return 0;
}

}  // namespace certdoctor
