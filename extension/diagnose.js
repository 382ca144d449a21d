// The Diagnose page: asks the native host about one URL, shows the answer, and offers the targeted removal with
// an undo. Everything from the host or a certificate is hostile input: it is put on the page as text, never as
// HTML (no innerHTML anywhere).
"use strict";

const HOST = "certdoctor";
const params = new URLSearchParams(location.search);
const url = params.get("url") || "";
const tabId = params.has("tab") ? Number(params.get("tab")) : null;
const reportedCode = params.has("code") ? Number(params.get("code")) : null;
const $ = (id) => document.getElementById(id);
let diagnosis = null;
let lastRemoval = null;
let nextId = 1;
let options = { ...DEFAULT_OPTIONS };
let proxy = null;      // Firefox's proxy for this site, passed to the host ("http://host:port")
let proxyNote = "";

// Text from _locales; `subs` fill the message's placeholders.
const t = (key, ...subs) => browser.i18n.getMessage(key, subs.map(String));

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

// The host gives up on a site within its own timeouts (connect, handshake); this is the page's last resort, so the
// page never waits for ever on a host that hangs.
const ASK_TIMEOUT_S = 90;

// One request to the native host. Every way it can fail becomes a message the user can act on.
async function ask(message) {
  let reply;
  let timer;
  try {
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Problem("host_timeout", "")), ASK_TIMEOUT_S * 1000);
    });
    reply = await Promise.race([browser.runtime.sendNativeMessage(HOST, { id: nextId++, ...message }), timeout]);
  } catch (e) {
    if (e instanceof Problem) throw e;
    const text = String(e && e.message || e);
    if (/No such native application|not found|manifest/i.test(text)) throw new Problem("not_installed", text);
    throw new Problem("host_failed", text);
  } finally {
    clearTimeout(timer);
  }
  if (!reply || typeof reply !== "object" || typeof reply.ok !== "boolean") throw new Problem("garbage", JSON.stringify(reply));
  if (!reply.ok) throw new Problem(reply.error && reply.error.code || "error", reply.error && reply.error.message || "");
  return reply.result;
}

class Problem extends Error {
  constructor(code, detail) { super(detail); this.code = code; }
}

const PROBLEMS = {
  not_installed: "problemNotInstalled",
  host_failed: "problemHostFailed",
  garbage: "problemGarbage",
  profile_not_found: "problemProfileNotFound",
};

function showProblem(p) {
  const box = $("problem");
  const text = p.code === "host_timeout" ? t("problemTimeout", ASK_TIMEOUT_S)
    : p.code === "unreachable" ? t("problemUnreachable", p.message)
    : PROBLEMS[p.code] ? t(PROBLEMS[p.code]) : t("problemOther", p.code);
  box.replaceChildren(el("p", text));
  if (p.message && p.code !== "unreachable") box.append(el("pre", p.message));
  box.hidden = false;
}

function certRows(rows) {
  const table = el("table");
  for (const [label, ...cells] of rows) {
    const tr = el("tr");
    tr.append(el("th", label), ...cells.map((c) => el("td", c)));
    table.append(tr);
  }
  return table;
}

function copyButton(text) {
  const b = el("button", t("copyButton"), "secondary");
  b.type = "button";
  b.addEventListener("click", async () => {
    await navigator.clipboard.writeText(text);
    b.textContent = t("copiedButton");
  });
  return b;
}

function renderFinding(f) {
  const box = el("div", undefined, "finding " + (f.severity || ""));
  box.dataset.code = f.code;
  box.append(el("h3", f.title), el("p", f.explanation));
  if (f.cause) box.append(el("p", t("likelyCause", f.cause)));
  // Report-only (an administrator's option): the removal a finding proposes is left to IT.
  if (options.report_only && f.values && f.values.stored_sha256) {
    box.append(el("h4", t("howToFix")), el("p", t("reportOnlyFix"), "report-only"));
  } else if (f.fix) {
    box.append(el("h4", t("howToFix")));
    const pre = el("pre", f.fix);
    box.append(pre, copyButton(f.fix));
  }
  return box;
}

function renderConflicts(d) {
  const box = $("conflicts");
  box.replaceChildren();
  for (const c of d.conflicts || []) {
    const served = (d.chain || [])[c.cert] || {};
    const section = el("div", undefined, "conflict");
    section.append(el("h3", t("storedInProfile", c.nickname)));
    section.append(certRows([
      ["", t("servedBySite"), t("storedInFirefox")],
      [t("fieldSubject"), served.subject || "", c.subject],
      [t("fieldIssuer"), served.issuer || "", c.issuer],
      [t("fieldSerial"), served.serial || "", c.serial],
      [t("fieldValid"), `${served.not_before || ""} – ${served.not_after || ""}`, `${c.not_before} – ${c.not_after}`],
      [t("fieldSha256"), served.sha256 || "", c.sha256],
    ]));
    if ((c.removable || c.caution) && !options.report_only) {
      const remove = el("button", t("removeButton"));
      remove.type = "button";
      remove.dataset.sha256 = c.sha256;
      remove.addEventListener("click", () => confirmRemoval(c, section));
      section.append(remove);
    }
    box.append(section);
  }
}

// Asks before removing, naming the certificate; the second button does it.
function confirmRemoval(c, section) {
  const ask = el("div", undefined, "confirm");
  ask.append(el("p", t("confirmRemoval", c.nickname, c.sha256) + (c.caution ? " " + t("confirmCaution", c.caution) : "")));
  const yes = el("button", t("confirmButton"));
  yes.type = "button";
  yes.id = "confirm-removal";
  const no = el("button", t("cancelButton"), "secondary");
  no.type = "button";
  no.addEventListener("click", () => ask.remove());
  yes.addEventListener("click", () => remove(c, ask));
  ask.append(yes, no);
  section.append(ask);
  yes.focus();
}

async function remove(c, confirmBox) {
  confirmBox.remove();
  $("progress").hidden = false;
  try {
    lastRemoval = await ask({ type: "remove", sha256: c.sha256, url, allow_trusted: !c.removable,
      profile: diagnosis.profile && diagnosis.profile.path, ...(proxy ? { proxy } : {}) });
    if (tabId !== null) await browser.tabs.reload(tabId).catch(() => {});
    const after = lastRemoval.after || {};
    $("removal-title").textContent = t("removedTitle", lastRemoval.removed.nickname);
    $("removal-text").textContent = after.error ? t("afterUnknown", after.error)
      : after.firefox_error === null ? t("afterLoads")
      : t("afterError", after.firefox_error, after.title) + (after.overridable ? t("afterOverridable") : "");
    $("removal").hidden = false;
    $("undo").focus();
  } catch (p) {
    showProblem(p);
  } finally {
    $("progress").hidden = true;
  }
}

async function undo() {
  $("progress").hidden = false;
  try {
    const r = await ask({ type: "undo", backup_id: lastRemoval && lastRemoval.backup_id,
      profile: diagnosis.profile && diagnosis.profile.path });
    $("removal-title").textContent = t("restoredTitle", r.restored.nickname);
    $("removal-text").textContent = t("restoredText");
    $("undo").hidden = true;
  } catch (p) {
    showProblem(p);
  } finally {
    $("progress").hidden = true;
  }
}

function renderDetails(d) {
  const body = $("details-body");
  body.replaceChildren();
  if (d.connection) {
    body.append(el("p", t("connectionLine", d.connection.address, d.connection.port,
      `${d.connection.tls_version || "-"} ${d.connection.cipher || ""}`.trim())));
    if (d.connection.proxy) body.append(el("p", t("proxyLine", d.connection.proxy), "proxy"));
  }
  if (proxyNote) body.append(el("p", proxyNote));
  if (d.profile) body.append(el("p", t("profileLine", d.profile.path, d.profile.reason)));
  (d.chain || []).forEach((c, i) => {
    body.append(el("h4", t("servedCertificate", i)));
    body.append(certRows([[t("fieldSubject"), c.subject || ""], [t("fieldIssuer"), c.issuer || ""],
      [t("fieldSerial"), c.serial || ""], [t("fieldValid"), `${c.not_before || ""} – ${c.not_after || ""}`],
      [t("fieldSha256"), c.sha256 || ""]]));
  });
}

async function diagnose() {
  $("problem").hidden = true;
  $("result").hidden = true;
  $("progress").hidden = false;
  $("diagnose").disabled = true;
  try {
    const request = { type: "diagnose", url };
    if (reportedCode !== null && Number.isInteger(reportedCode)) request.reported_code = reportedCode;
    if (proxy) request.proxy = proxy;
    diagnosis = await ask(request);
    // The host could not reach the site: say so plainly, with what it found (no certificate to show).
    if ((!diagnosis.chain || !diagnosis.chain.length) && diagnosis.firefox_error === undefined && diagnosis.findings.length) {
      throw new Problem("unreachable", diagnosis.findings[0].title);
    }
    // The host knows the name of the code Firefox reported.
    if (diagnosis.reported_error) $("reported").textContent = t("reported", diagnosis.reported_error);
    const fe = diagnosis.firefox_error;
    $("verdict").textContent = fe === undefined ? t("verdictUnknown") : fe === null ? t("verdictLoads") : t("verdictError", fe);
    $("verdict").dataset.firefoxError = fe === null ? "null" : String(fe);
    $("explanation").textContent = (diagnosis.findings[0] && diagnosis.findings[0].title) || "";
    $("situations").replaceChildren(...diagnosis.findings.map(renderFinding));
    renderConflicts(diagnosis);
    renderDetails(diagnosis);
    $("details").hidden = options.hide_details;
    if (/^https?:\/\//i.test(options.helpdesk_url)) {
      const a = el("a", t("helpdeskLink"));
      a.href = options.helpdesk_url;
      $("helpdesk").replaceChildren(a);
      $("helpdesk").hidden = false;
    }
    $("result").hidden = false;
    $("verdict").focus();
  } catch (p) {
    showProblem(p);
  } finally {
    $("progress").hidden = true;
    $("diagnose").disabled = false;
  }
}

for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
$("site").textContent = url;
Promise.all([managedOptions(), firefoxProxy(url)]).then(([o, p]) => {
  options = o;
  proxy = p.proxy;
  proxyNote = p.unsupported ? t("proxyUnsupported", p.unsupported) : "";
  if (params.get("auto") === "1") diagnose();
});
$("reported").textContent = reportedCode !== null ? t("reported", reportedCode) : "";
$("verdict").tabIndex = -1;
$("diagnose").addEventListener("click", diagnose);
$("undo").addEventListener("click", undo);
