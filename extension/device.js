// The device a diagnosis recognised (its `device`: a factory certificate the host's device table knows): what it
// is and the kind of collision in the user's words, and for administrators the permanent fix as commands.
"use strict";

// Paragraphs for the summary: what the device is, why devices of its kind collide, what fixes it for good.
function deviceLines(d) {
  const dev = d && d.device;
  if (!dev) return [];
  const box = el("div", undefined, "device");
  box.dataset.device = dev.id;
  box.append(el("p", t("deviceTitle", visible(dev.vendor), visible(dev.product)) + " " +
    t(dev.collision === "twins" ? "deviceTwins" : "deviceRemade")), el("p", t("deviceFix")));
  return [box];
}

// For the administrators' section: the host's advice (English, like the other host advice) and the commands.
function deviceAdmin(d, commandBlock) {
  const dev = d.device;
  const item = el("div", undefined, "host-advice device-admin");
  item.append(el("h4", t("deviceAdminTitle", visible(`${dev.vendor} ${dev.product}`))),
    el("pre", visible(dev.install_hint, { multiline: true })));
  // One block per command line, each with its own Copy button.
  const commands = [dev.csr_command, dev.reissue_command, dev.upload_command].filter(Boolean).join("\n");
  for (const line of commands.split("\n")) item.append(commandBlock(line));
  item.append(el("pre", visible(dev.serial_fact, { multiline: true })));
  return item;
}
