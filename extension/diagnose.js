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

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

// One request to the native host. Every way it can fail becomes a message the user can act on.
async function ask(message) {
  let reply;
  try {
    reply = await browser.runtime.sendNativeMessage(HOST, { id: nextId++, ...message });
  } catch (e) {
    const text = String(e && e.message || e);
    if (/No such native application|not found|manifest/i.test(text)) throw new Problem("not_installed", text);
    throw new Problem("host_failed", text);
  }
  if (!reply || typeof reply !== "object" || typeof reply.ok !== "boolean") throw new Problem("garbage", JSON.stringify(reply));
  if (!reply.ok) throw new Problem(reply.error && reply.error.code || "error", reply.error && reply.error.message || "");
  return reply.result;
}

class Problem extends Error {
  constructor(code, detail) { super(detail); this.code = code; }
}

const PROBLEMS = {
  not_installed: "certdoctor's helper program is not installed on this computer, so the extension cannot look at " +
    "the certificate. Install it (Debian/Ubuntu: the certdoctor package; or from the source: tools/install.sh), " +
    "then press Diagnose again.",
  host_failed: "certdoctor's helper program stopped without an answer. Press Diagnose to try again; if it keeps " +
    "failing, the Browser Console (Ctrl+Shift+J) shows what it wrote.",
  garbage: "certdoctor's helper program answered something this extension does not understand. Update the " +
    "extension and the helper to the same version.",
  profile_not_found: "certdoctor could not tell which Firefox profile this is, so it cannot check its stored " +
    "certificates. Run 'certdoctor profiles' in a terminal to see what it finds.",
};

function showProblem(p) {
  const box = $("problem");
  box.replaceChildren(el("p", PROBLEMS[p.code] || "certdoctor could not do this: " + p.code));
  if (p.message) box.append(el("pre", p.message));
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
  const b = el("button", "Copy", "secondary");
  b.type = "button";
  b.addEventListener("click", async () => {
    await navigator.clipboard.writeText(text);
    b.textContent = "Copied";
  });
  return b;
}

function renderFinding(f) {
  const box = el("div", undefined, "finding " + (f.severity || ""));
  box.dataset.code = f.code;
  box.append(el("h3", f.title), el("p", f.explanation));
  if (f.cause) box.append(el("p", "Likely cause: " + f.cause));
  if (f.fix) {
    box.append(el("h4", "How to fix it"));
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
    section.append(el("h3", "Stored in this profile: " + c.nickname));
    section.append(certRows([
      ["", "Served by the site", "Stored in Firefox"],
      ["Subject", served.subject || "", c.subject],
      ["Issuer", served.issuer || "", c.issuer],
      ["Serial", served.serial || "", c.serial],
      ["Valid", `${served.not_before || ""} – ${served.not_after || ""}`, `${c.not_before} – ${c.not_after}`],
      ["SHA-256", served.sha256 || "", c.sha256],
    ]));
    if ((c.removable || c.caution) && !options.report_only) {
      const remove = el("button", "Remove this certificate");
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
  ask.append(el("p", `Remove "${c.nickname}" (SHA-256 ${c.sha256}) from this profile? A backup is kept and ` +
    "Undo puts it back." + (c.caution ? " Careful: " + c.caution + "." : "")));
  const yes = el("button", "Confirm removal");
  yes.type = "button";
  yes.id = "confirm-removal";
  const no = el("button", "Cancel", "secondary");
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
      profile: diagnosis.profile && diagnosis.profile.path });
    if (tabId !== null) await browser.tabs.reload(tabId).catch(() => {});
    const after = lastRemoval.after || {};
    $("removal-title").textContent = `Removed "${lastRemoval.removed.nickname}"`;
    $("removal-text").textContent = after.error ? "certdoctor could not check the site again: " + after.error
      : after.firefox_error === null ? "The page loads now. The tab was reloaded."
      : `The page now shows ${after.firefox_error}: ${after.title}` +
        (after.overridable ? " — the ordinary warning you can accept on the error page." : "");
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
    $("removal-title").textContent = `Put back "${r.restored.nickname}"`;
    $("removal-text").textContent = "The certificate and its trust are stored again, exactly as before.";
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
  if (d.connection) body.append(el("p", `Connection: ${d.connection.address} port ${d.connection.port}, ` +
    `${d.connection.tls_version || "no TLS version"} ${d.connection.cipher || ""}`));
  if (d.profile) body.append(el("p", `Profile: ${d.profile.path} (${d.profile.reason})`));
  (d.chain || []).forEach((c, i) => {
    body.append(el("h4", `Certificate #${i} sent by the server`));
    body.append(certRows([["Subject", c.subject || ""], ["Issuer", c.issuer || ""], ["Serial", c.serial || ""],
      ["Valid", `${c.not_before || ""} – ${c.not_after || ""}`], ["SHA-256", c.sha256 || ""]]));
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
    diagnosis = await ask(request);
    const fe = diagnosis.firefox_error;
    $("verdict").textContent = fe === undefined ? "certdoctor could not judge this site"
      : fe === null ? "Firefox should load this page" : "Firefox shows " + fe;
    $("verdict").dataset.firefoxError = fe === null ? "null" : String(fe);
    $("explanation").textContent = (diagnosis.findings[0] && diagnosis.findings[0].title) || "";
    $("situations").replaceChildren(...diagnosis.findings.map(renderFinding));
    renderConflicts(diagnosis);
    renderDetails(diagnosis);
    $("details").hidden = options.hide_details;
    if (/^https?:\/\//i.test(options.helpdesk_url)) {
      const a = el("a", "Contact your help desk about this error");
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

$("site").textContent = url;
managedOptions().then((o) => {
  options = o;
  if (params.get("auto") === "1") diagnose();
});
$("reported").textContent = reportedCode !== null ? `Firefox refused this page (error ${reportedCode}).` : "";
$("verdict").tabIndex = -1;
$("diagnose").addEventListener("click", diagnose);
$("undo").addEventListener("click", undo);
