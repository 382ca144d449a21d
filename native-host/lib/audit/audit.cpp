#include "audit/audit.hpp"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <streambuf>

#include "audit/analysis.hpp"
#include "audit/audit_findings.hpp"
#include "audit/collisions.hpp"
#include "audit/scan_input.hpp"
#include "audit/shared_keys.hpp"
#include "audit/targets.hpp"
#include "fetch/fetch_many.hpp"

namespace certdoctor::audit {
namespace {

using nlohmann::json;

// A stream that gives back the bytes already read to recognise the file, then the rest of it.
class PrefixedBuffer : public std::streambuf {
 public:
  PrefixedBuffer(std::string head, std::istream& rest) : head_(std::move(head)), rest_(rest) {
    setg(head_.data(), head_.data(), head_.data() + head_.size());
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    rest_.read(buffer_, sizeof buffer_);
    const std::streamsize n = rest_.gcount();
    if (n <= 0) return traits_type::eof();
    setg(buffer_, buffer_, buffer_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string head_;
  std::istream& rest_;
  char buffer_[1 << 16];
};

// The endpoints, one JSON line each, in a temporary file the system removes when it is closed.
class Spill {
 public:
  Spill() : file_(std::tmpfile()) {
    if (!file_) throw AuditInputError("cannot create a temporary file for the report");
  }
  ~Spill() { std::fclose(file_); }
  void write(const EndpointReport& e) {
    const std::string line = to_json(e).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::fwrite(line.data(), 1, line.size(), file_);
  }
  void replay(const std::function<void(const EndpointReport&)>& fn) {
    std::fflush(file_);
    std::rewind(file_);
    std::string line;
    char buf[1 << 16];
    while (std::fgets(buf, sizeof buf, file_)) {
      line += buf;
      if (line.empty() || line.back() != '\n') continue;
      fn(endpoint_from_json(json::parse(line)));
      line.clear();
    }
    std::fseek(file_, 0, SEEK_END);
  }

 private:
  std::FILE* file_;
};

std::string month_of(const std::string& iso) { return iso.size() >= 7 ? iso.substr(0, 7) : "unknown"; }

class Collector {
 public:
  Collector(AuditReport& report, const TrustSet& trust, const AnalysisOptions& options, Spill& spill)
      : report_(report), trust_(trust), options_(options), spill_(spill) {}

  void add(const Observation& o) {
    EndpointReport e = analyse(o, trust_, options_);
    ++report_.endpoints;
    if (e.reachable) {
      ++report_.reachable;
      ++report_.verdicts[e.verdict.empty() ? "loads" : e.verdict];
      ++report_.expiry_by_month[month_of(e.not_after)];
      if (e.refused()) ++report_.refused;
    } else {
      ++report_.verdicts[std::string(code_of(AuditFinding::NoCertificateRead))];  // counted under its finding's code
    }
    for (const auto& f : e.findings) {
      if (f.code == code_of(AuditFinding::Expiring)) ++report_.expiring;
      if (f.code == code_of(AuditFinding::Expired)) ++report_.expired;
    }
    bool weak = false;
    for (const auto& f : e.findings) {
      weak |= f.code == code_of(AuditFinding::SmallRsaKey) || f.code == code_of(AuditFinding::WeakSignature);
    }
    report_.weak += weak;
    index_.note(e);
    shared_.note(e);
    spill_.write(e);
  }

  CollisionIndex& index() { return index_; }
  SharedKeyIndex& shared_keys() { return shared_; }

 private:
  AuditReport& report_;
  const TrustSet& trust_;
  AnalysisOptions options_;
  Spill& spill_;
  CollisionIndex index_;
  SharedKeyIndex shared_;
};

Observation from_fetch(const Target& t, FetchResult&& r) {
  Observation o;
  o.host = t.host;
  o.port = t.port;
  o.source = "fetch";
  o.chain_der = std::move(r.chain_der);
  if (r.session) {
    o.tls_version = r.session->version;
    o.cipher = r.session->cipher;
  }
  o.failure = std::move(r.failure);
  return o;
}

void normalise(Observation& o) {
  for (auto& c : o.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']') o.host = o.host.substr(1, o.host.size() - 2);
}

}  // namespace

AuditResult run_audit(const AuditOptions& options, const TrustSet& trust) {
  auto spill = std::make_shared<Spill>();
  AuditResult result;
  result.storage = spill;
  AuditReport& report = result.report;
  report.trust = trust.description();
  report.generated_at = static_cast<std::int64_t>(std::time(nullptr));
  report.expiring_days = options.expiring_days;
  Collector collector(report, trust, {report.generated_at, options.expiring_days}, *spill);

  TargetList targets;
  std::vector<std::string> inputs = options.inputs.empty() ? std::vector<std::string>{"-"} : options.inputs;
  for (const auto& name : inputs) {
    std::ifstream file;
    std::istream* in = &std::cin;
    const std::string label = name == "-" ? "stdin" : name;
    if (name != "-") {
      file.open(name, std::ios::binary);
      if (!file) throw AuditInputError("cannot read " + name + ": no such file, or not readable by this user");
      in = &file;
    }
    std::string head(4096, '\0');
    in->read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in->gcount()));
    PrefixedBuffer buffer(head, *in);
    std::istream stream(&buffer);
    const InputKind kind = detect_input(head);
    report.inputs.push_back(label + " (" + std::string(input_kind_name(kind)) + ")");
    if (kind == InputKind::target_list) {
      read_target_list(stream, label, options.default_port, targets);
      continue;
    }
    std::size_t read = 0;
    ScanContext ctx{label, options.default_port, [&](Observation&& o) {
                      normalise(o);
                      collector.add(o);
                      ++read;
                      if (options.progress) options.progress->update("reading " + label + ":", read, 0);
                    }};
    try {
      read_scan(kind, stream, ctx);
    } catch (const ScanError& e) {
      throw AuditInputError(e.what());
    }
    if (options.progress) options.progress->finish("endpoints read from " + label + ":", read);
  }
  for (const auto& e : targets.errors) {
    report.input_problems.push_back(e.source + " line " + std::to_string(e.line) + ": '" + e.text + "': " + e.reason);
  }

  if (!targets.targets.empty()) {
    std::vector<FetchOptions> fetches;
    fetches.reserve(targets.targets.size());
    for (const auto& t : targets.targets) {
      FetchOptions f;
      f.target = t;
      f.connect_timeout = options.connect_timeout;
      f.handshake_timeout = options.handshake_timeout;
      fetches.push_back(std::move(f));
    }
    auto fetched = fetch_many(fetches, {options.max_parallel, options.overall_deadline},
                              [&](std::size_t done, std::size_t total) {
                                if (options.progress) options.progress->update("fetching:", done, total);
                              });
    if (options.progress) options.progress->finish("endpoints fetched:", fetched.size());
    for (std::size_t i = 0; i < fetched.size(); ++i) collector.add(from_fetch(targets.targets[i], std::move(fetched[i])));
  }

  // The second pass: exact groups for the keys that collided and the public keys seen on several hosts, then each
  // endpoint's groups for the writers.
  CollisionIndex& collisions = collector.index();
  SharedKeyIndex& shared = collector.shared_keys();
  if (collisions.any() || shared.any()) {
    spill->replay([&](const EndpointReport& e) {
      if (collisions.any()) collisions.collect(e);
      if (shared.any()) shared.collect(e);
    });
  }
  report.groups = collisions.groups();
  report.shared_keys = shared.groups();
  auto group_of = collisions.group_of();
  auto shared_of = shared.group_of();
  for (const auto& g : report.groups) report.in_collisions += g.members.size();
  for (const auto& g : report.shared_keys) report.sharing_keys += g.members.size();
  std::vector<std::size_t> hosts_of;
  for (const auto& g : report.shared_keys) hosts_of.push_back(g.hosts);
  std::vector<bool> one_certificate;
  for (const auto& g : report.shared_keys) one_certificate.push_back(g.shared == "certificate");
  report.for_each_endpoint = [spill, group_of, shared_of, hosts_of,
                              one_certificate](const std::function<void(const EndpointReport&)>& fn) {
    std::size_t position = 0;
    spill->replay([&](const EndpointReport& e) {
      const auto collision = group_of.find(position);
      const auto key = shared_of.find(position);
      ++position;
      if (collision == group_of.end() && key == shared_of.end()) return fn(e);
      EndpointReport with = e;
      if (collision != group_of.end()) {
        with.collision_group = collision->second;
        with.findings.push_back(audit_finding(AuditFinding::Collision, {{"group", collision->second + 1}}));
      }
      if (key != shared_of.end()) {
        with.shared_key_group = key->second;
        with.findings.push_back(audit_finding(
            one_certificate[key->second] ? AuditFinding::SharedCertificate : AuditFinding::SharedKey,
            {{"group", key->second + 1}, {"hosts", hosts_of[key->second]}}));
      }
      fn(with);
    });
  };
  return result;
}

}  // namespace certdoctor::audit
