// The administrator's removals: the managed option `remove_certificates` (schema.json) lists certificates to remove
// from the profile. Firefox reads managed storage when the extension starts, so the list is applied then: each start
// asks the host once (policy_remove, docs/PROTOCOL.md), which removes each listed certificate still stored, as a
// user's removal does (backup, journal, undo), and records every outcome in the profile's certdoctor-backups
// folder. A certificate already gone answers `not_stored`, so applying the same list again changes nothing.
// The outcomes are kept for the options page (storage.local, `policyRemovals`) and, when the policy names
// `removal_report_url`, posted there as JSON.
"use strict";

// The fields the host reads; anything else in a row stays out of the request.
function policyRows(managedRows) {
  if (!Array.isArray(managedRows)) return [];
  return managedRows.filter((r) => r && typeof r === "object").map((r) => {
    const row = {};
    for (const key of ["sha256", "issuer", "serial", "reason", "allow_trusted"]) if (key in r) row[key] = r[key];
    return row;
  });
}

// The report: a POST of the record as JSON. An extension may post to any address without a host permission only as
// a "simple" request (no CORS preflight), so the body goes as text/plain; its content is JSON. The answer cannot be
// read then (an opaque response): `sent` says the request left, not that the server took it.
async function postReport(url, record) {
  // The same rule as `certdoctor policy --removal-report-url`, for a policy written by hand: the record names
  // certificates and the profile, so it never crosses a network in clear (http only to this machine: isLoopback,
  // proxy.js).
  let target = null;
  try { target = new URL(url); } catch (e) { /* refused below */ }
  if (!target || !(target.protocol === "https:" || (target.protocol === "http:" && isLoopback(target.hostname)))) {
    return { url, sent: false, error: "refused: the report URL must be https:// (http:// only to this machine)",
      at: new Date().toISOString() };
  }
  try {
    await fetch(url, { method: "POST", mode: "no-cors", credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "text/plain" }, body: JSON.stringify(record) });
    return { url, sent: true, at: new Date().toISOString() };
  } catch (e) {
    return { url, sent: false, error: String((e && e.message) || e), at: new Date().toISOString() };
  }
}

async function applyRemovalPolicy(optionsOf) {
  const o = await optionsOf();
  const rows = policyRows(o.remove_certificates);
  if (!rows.length) {
    await browser.storage.local.remove("policyRemovals");
    return null;
  }
  const record = { at: new Date().toISOString(), extension_version: browser.runtime.getManifest().version, rows };
  try {
    const result = await askHost({ type: "policy_remove", certificates: rows });
    record.profile = result.profile;
    record.outcomes = result.outcomes;
  } catch (e) {
    record.problem = e instanceof Problem ? e.toJSON() : { code: "internal", detail: String(e) };
  }
  if (o.removal_report_url) record.report = await postReport(o.removal_report_url, { ...record, report: undefined });
  await browser.storage.local.set({ policyRemovals: record });
  return record;
}
