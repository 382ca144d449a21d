// The options page: what the administrator's removals (the managed option remove_certificates) did in this
// profile, from the record the background keeps (policy.js). Every value from the policy or the host is set as
// text through visible() (text.js).
"use strict";

function rowName(row) {
  if (row.sha256) return "SHA-256 " + row.sha256;
  return t("policyRemovalsIssuerSerial", visible(row.issuer || ""), visible(row.serial || ""));
}

function outcomeText(o) {
  switch (o.outcome) {
    case "removed": return t("policyOutcomeRemoved", visible(o.backup_id || ""));
    case "not_stored": return t("policyOutcomeNotStored");
    case "refused": return t("policyOutcomeRefused", visible(o.error ? o.error.code + ": " + o.error.message : ""));
    default: return t("policyOutcomeFailed", visible(o.error ? o.error.code + ": " + o.error.message : ""));
  }
}

async function show() {
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  const { policyRemovals: record } = await browser.storage.local.get("policyRemovals");
  const status = document.getElementById("status");
  if (!record) {
    status.textContent = t("policyRemovalsNone");
    return;
  }
  status.textContent = record.problem ? t("policyRemovalsProblem", visible(new Date(record.at).toLocaleString()),
    visible(record.problem.code + (record.problem.detail ? ": " + record.problem.detail : "")))
    : t("policyRemovalsApplied", visible(new Date(record.at).toLocaleString()), visible(record.profile || ""));
  const body = document.querySelector("#outcomes tbody");
  for (const o of record.outcomes || []) {
    const tr = document.createElement("tr");
    tr.dataset.outcome = o.outcome;
    for (const text of [rowName(o.row || {}), visible((o.row && o.row.reason) || ""), outcomeText(o)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
  document.getElementById("outcomes").hidden = !(record.outcomes || []).length;
  if (record.report) {
    const report = document.getElementById("report");
    report.hidden = false;
    report.textContent = record.report.sent ? t("policyReportSent", visible(record.report.url))
      : t("policyReportFailed", visible(record.report.url), visible(record.report.error || ""));
  }
}

show();
