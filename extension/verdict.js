// What the popup and the Diagnose page lead with: from the background's stored entry for a tab (a diagnosis or a
// problem) to one headline in words, one sentence, and the one thing to do.
"use strict";

// {tone, headline, text, todo, action, findings}; tone: "bad", "warn", "ok" or "problem".
// `action`: {kind: "remove", label, conflict} when one stored certificate explains the error and may be removed.
// The host tells the findings in their order (what explains the error first): the first one leads. What kind of
// finding it is comes from the table of codes (generated/codes.js); nothing here names a code.
function summarize(entry, options) {
  if (entry.problem) return problemSummary(entry.problem);
  const d = entry.diagnosis;
  const described = d.findings.map((f) => describeFinding(f, d));
  const lead = described[0];
  if (lead && lead.kind === "twin") return twinSummary(entry, lead, described);  // twins.js: a certificate held in memory
  if (lead && lead.kind === "reach" && !(d.chain && d.chain.length) && d.firefox_error === undefined) {
    return { tone: "problem", ...pick(lead), findings: described, unreachable: true };
  }
  if (d.firefox_error === null) {
    // The page loads: the lead says why when an exception lets it through.
    if (lead && lead.kind === "passes") return { tone: "ok", ...pick(lead), findings: described };
    const leaf = d.chain[0];
    return { tone: "ok", headline: t("okTitle"), text: t("okText", visible(leaf.issuer || ""), shownDate(leaf.not_after)),
      todo: "", findings: described };
  }
  if (d.firefox_error === undefined || !lead) {
    return { tone: "warn", headline: t("verdictUnknown"), text: t("verdictUnknownText"), todo: "", findings: described };
  }
  const summary = { tone: lead.severity === "error" ? "bad" : "warn", ...pick(lead), findings: described };
  const removable = lead.kind === "removal" && conflictOf(lead.finding, d);
  // One click (then the confirmation) only for a certificate removable as it is: never for a trusted root, a
  // distrust entry or a certificate with a key (`removable` false, `caution` says why). A server chooses what it
  // presents, so it could otherwise aim the primary button at the organisation's own root (docs/SECURITY.md);
  // removing such a certificate takes an explicit step of its own (certdoctor remove --allow-trusted).
  if (removable && removable.removable === true) {
    summary.action = options.report_only
      ? { kind: "report", label: t("reportOnlyFix") }
      : { kind: "remove", label: lead.action, conflict: removable };
  }
  return summary;
}

function pick(x) {
  return { headline: x.title, text: x.text, todo: x.todo, code: x.code };
}

function conflictOf(f, d) {
  const sha = f.values && f.values.stored_sha256;
  return (d.conflicts || []).find((c) => c.sha256 === sha) || null;
}

// A failure of the helper itself (see host.js): what happened and what to do, never a raw message.
function problemSummary(p) {
  const known = ["not_installed", "host_not_started", "host_exited", "garbage", "wrong_extension", "host_outdated",
    "profile_not_found", "host_timeout", "host_refused", "cancelled"];
  const code = known.includes(p.code) ? p.code : "internal";
  // A request the host refused says why in the user's language; its English message stays in the details.
  const text = p.request && REQUEST_ERRORS.includes(p.request) ? t(`request_${p.request}`) : t(`problem_${code}_text`);
  return { tone: "problem", problem: code, headline: t(`problem_${code}`), text, todo: "", detail: p.detail || "",
    findings: [] };
}

// The state after a removal or an undo, in words (the fresh diagnosis says what Firefox shows now).
function afterRemoval(fix, entry) {
  const nickname = visible(fix.removal.removed.nickname);
  if (fix.restored) return { tone: "warn", headline: t("restoredTitle", nickname), text: t("restoredText") };
  const d = entry && entry.diagnosis;
  if (!d) return { tone: "ok", headline: t("removedTitle", nickname), text: t("removedUnknown") };
  if (d.firefox_error === null) return { tone: "ok", headline: t("fixedTitle"), text: t("fixedText", nickname) };
  if (d.overridable) return { tone: "warn", headline: t("fixedWarningTitle"), text: t("fixedWarningText", nickname) };
  return { tone: "bad", headline: t("removedTitle", nickname), text: t("removedStillRefused") };
}
