// What a diagnosis says about a device the table recognises: what it is, the kind of collision, and the permanent
// fix as commands to paste (certdoctor reissue, then the device's own CSR and upload commands, filled with the
// file names reissue writes).
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "devices/device_table.hpp"

namespace certdoctor {

// The diagnosis' `device` object (docs/PROTOCOL.md). `url` and `host` are the site's.
nlohmann::json device_advice(const DeviceInfo& device, const std::string& url, const std::string& host);

}  // namespace certdoctor
