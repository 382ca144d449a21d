// Fetching many sites at once (a fleet audit, `diagnose --compare`): each through the same fetch_chain as one
// diagnosis, at most `max_parallel` at a time, each with its own timeouts, all within an optional overall
// deadline. Results come back in the order of the input, whatever order the fetches finish in.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "fetch/tls_fetch.hpp"

namespace certdoctor {

struct FetchManyOptions {
  std::size_t max_parallel = 64;               // fetches in flight at once (at least 1)
  std::chrono::milliseconds overall_deadline{0};  // 0: none; else no fetch runs past start + this
};

// Called after each fetch ends with how many have ended and how many there are; calls never overlap (they may
// come from different threads), and the last is (total, total).
using FetchProgress = std::function<void(std::size_t done, std::size_t total)>;

// One FetchResult per target, in the targets' order. A fetch's timeouts are cut to what is left of the overall
// deadline; a target whose turn comes after the deadline is not contacted and fails with `connect_timeout`
// (values: host, port, seconds 0, deadline true).
std::vector<FetchResult> fetch_many(std::span<const FetchOptions> targets, const FetchManyOptions& options = {},
                                    const FetchProgress& progress = {});

}  // namespace certdoctor
