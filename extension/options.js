// The options an administrator sets by policy (storage.managed, see schema.json); none set means the defaults.
"use strict";

const DEFAULT_OPTIONS = { auto_diagnose: false, report_only: false, helpdesk_url: "", hide_details: false };

async function managedOptions() {
  try {
    return { ...DEFAULT_OPTIONS, ...(await browser.storage.managed.get()) };
  } catch {
    return { ...DEFAULT_OPTIONS };  // no policy and no managed-storage file: not an error
  }
}
