// The `open_separately` message: opens the page of the tab in a separate Firefox with a throw-away profile (see
// launch/separate_firefox.hpp for why). The request carries the page's URL and nothing else that reaches the
// command line.
#pragma once
#include <nlohmann/json.hpp>

#include "protocol/protocol.hpp"

namespace certdoctor {

nlohmann::json handle_open_separately(const nlohmann::json& req, const HostContext& ctx);

}  // namespace certdoctor
