// `certdoctor audit`: read the inputs (target lists, fetched concurrently through fetch_many and the same
// handshake as `diagnose`, or scanners' files, streamed), judge each endpoint (analysis.hpp), find the collision
// groups across all of them (collisions.hpp), and hand back the report for a writer (report_writers.hpp).
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "audit/progress.hpp"
#include "audit/report.hpp"
#include "audit/trust_set.hpp"

namespace certdoctor::audit {

struct AuditOptions {
  std::vector<std::string> inputs;  // file names; "-" is stdin
  std::uint16_t default_port = 443;
  int expiring_days = 30;
  std::chrono::milliseconds connect_timeout{5000}, handshake_timeout{10000};
  std::size_t max_parallel = 64;
  std::chrono::milliseconds overall_deadline{0};
  Progress* progress = nullptr;
};

// Unusable input (a file that cannot be opened, a scanner file that is broken): the audit does not start or stops,
// with this message. Lines of a target list that are not targets are reported in the report instead.
class AuditInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The report's endpoints are replayed from a temporary file that lives as long as the returned handle.
struct AuditResult {
  AuditReport report;
  std::shared_ptr<void> storage;
};

AuditResult run_audit(const AuditOptions& options, const TrustSet& trust);

}  // namespace certdoctor::audit
