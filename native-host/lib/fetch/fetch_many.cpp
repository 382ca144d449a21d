#include "fetch/fetch_many.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace certdoctor {
namespace {

using std::chrono::milliseconds;

// A target reached after the overall deadline: never contacted.
FetchResult deadline_passed(const FetchOptions& o) {
  FetchResult r;
  r.failure = Finding{Condition::connect_timeout, {{"host", o.target.host}, {"port", o.target.port}, {"seconds", 0},
                                          {"deadline", true}, {"host_port", o.target.authority()}}};
  return r;
}

// fetch_chain reports failures as findings; anything it still throws (memory) must not end the other fetches.
FetchResult fetch_one(const FetchOptions& o) {
  try {
    return fetch_chain(o);
  } catch (const std::exception& e) {
    FetchResult r;
    r.failure = Finding{Condition::handshake_failed, {{"host_port", o.target.authority()}, {"detail", e.what()}}};
    return r;
  }
}

}  // namespace

std::vector<FetchResult> fetch_many(std::span<const FetchOptions> targets, const FetchManyOptions& options,
                                    const FetchProgress& progress) {
  std::vector<FetchResult> results(targets.size());
  if (targets.empty()) return results;

  const auto started = Clock::now();
  const bool has_deadline = options.overall_deadline.count() > 0;
  const auto deadline = started + options.overall_deadline;

  std::atomic<std::size_t> next{0};
  std::mutex progress_mutex;
  std::size_t done = 0;

  // Each worker takes the next index until none are left: fetch_chain blocks on its socket, so a thread per
  // fetch in flight is the simplest bounded pool, and the handshakes' CPU work spreads over the cores.
  auto worker = [&] {
    for (;;) {
      std::size_t i = next.fetch_add(1);
      if (i >= targets.size()) return;
      FetchOptions o = targets[i];
      if (has_deadline) {
        auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left <= milliseconds(0)) {
          results[i] = deadline_passed(o);
        } else {
          o.connect_timeout = std::min(o.connect_timeout, left);
          o.handshake_timeout = std::min(o.handshake_timeout, left);
          results[i] = fetch_one(o);
        }
      } else {
        results[i] = fetch_one(o);
      }
      std::lock_guard lock(progress_mutex);
      ++done;
      if (progress) progress(done, targets.size());
    }
  };

  const std::size_t threads = std::clamp<std::size_t>(options.max_parallel, 1, targets.size());
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();  // this thread is one of them
  for (auto& t : pool) t.join();
  return results;
}

}  // namespace certdoctor
