// The options an administrator sets by policy (storage.managed, see schema.json); none set means the defaults.
"use strict";

const DEFAULT_OPTIONS = { auto_diagnose: false, report_only: false, helpdesk_url: "", hide_details: false };

async function managedOptions() {
  let managed = {};
  try {
    managed = await browser.storage.managed.get();
  } catch {
    // no policy and no managed-storage file: not an error
  }
  const o = { ...DEFAULT_OPTIONS, ...managed };
  // Windows Group Policy stores switches as numbers (1/0).
  for (const key of ["auto_diagnose", "report_only", "hide_details"]) o[key] = Boolean(o[key]);
  o.helpdesk_url = typeof o.helpdesk_url === "string" ? o.helpdesk_url : "";
  // Both removal options are left out when the policy does not set them (policy.js reads them).
  if ("removal_report_url" in o && typeof o.removal_report_url !== "string") delete o.removal_report_url;
  return o;
}
