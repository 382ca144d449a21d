// Fault injection for the tests that prove a removal survives a crash at any instant and that a database failing
// mid-way still gives a diagnosis. Compiled in only when the build has its tests (CERTDOCTOR_FAULT_INJECTION);
// otherwise every call is an empty inline function. Driven by the environment:
//   CERTDOCTOR_FAULT=NAME      the process kills itself with SIGKILL at crash_point(NAME): no destructor, no
//                              flush, exactly what a power cut or `kill -9` leaves behind;
//   CERTDOCTOR_FAULT=NAME@N    failure_injected(NAME) answers true from its N+1-th call on (N defaults to 0), so
//                              that a resource can break after it has worked N times.
#pragma once
#include <string_view>

namespace certdoctor {

#ifdef CERTDOCTOR_FAULT_INJECTION
void crash_point(std::string_view name);
bool failure_injected(std::string_view name);
#else
inline void crash_point(std::string_view) {}
inline bool failure_injected(std::string_view) { return false; }
#endif

}  // namespace certdoctor
