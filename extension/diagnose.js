// The full Diagnose page for one tab ("More details" in the popup, the context menu, or auto_diagnose): the same
// headline and action as the popup, then the situation, the served and the stored certificate side by side with
// the differences marked, what the user can do, the administrators' commands, and the technical details (codes,
// connection, profile, chain), folded. All requests go through the background (background.js).
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const url = params.get("url") || "";
const tabId = params.has("tab") ? Number(params.get("tab")) : null;
let options = {};

function hostOf(u) {
  try { return new URL(u).host; } catch { return ""; }
}

async function main() {
  translatePage();
  $("site").textContent = visible(url);
  document.title = t("pageTitle", visible(hostOf(url) || url));
  $("check").addEventListener("click", () => check(true));
  if (!/^https:\/\//i.test(url) || tabId === null) {
    showSummary($("summary"), { tone: "info", headline: t("notHttpsTitle"), text: t("notHttpsText") });
    $("check").hidden = true;
    document.body.dataset.state = "not-https";
    return;
  }
  const state = await ask({ cmd: "state", tabId, url });
  options = state.options;
  const ready = state.result && state.result.url === url && !state.busy ? state.result : null;
  if (state.fix && state.fix.url === url && !state.fix.restored) show(ready || await ask({ cmd: "diagnose", tabId, url }), state.fix);
  else if (ready) show(ready);
  else await check(false);
}

async function check(fresh) {
  document.body.dataset.state = "checking";
  $("check").disabled = true;
  for (const id of ["situation", "compare", "compared", "todo", "admin", "details", "helpdesk", "note"]) $(id).hidden = true;
  $("summary").replaceChildren();
  showProgress($("actions"), t("checking"), tabId).focus();
  const entry = await ask({ cmd: "diagnose", tabId, url, fresh });
  show(entry);
}

function show(entry, fix) {
  $("check").disabled = false;
  const summary = fix ? { ...summarize(entry, options), ...afterRemoval(fix, entry) } : summarize(entry, options);
  document.body.dataset.state = fix ? (fix.restored ? "restored" : "removed") : summary.problem ? "problem" : "result";
  const headline = showSummary($("summary"), summary);
  let focus = headline;
  const actions = $("actions");
  actions.replaceChildren();
  $("note").hidden = true;
  if (fix && !fix.restored) {
    focus = undoButton(fix);
  } else if (summary.action && summary.action.kind === "remove") {
    focus = removeButton(summary.action, entry);
  } else if (summary.action) {
    actions.append(el("p", summary.action.label, "report-only"));
  } else if (summary.twins) {
    focus = twinActions(actions, summary.twins, { tabId, recheck: () => check(true) });
  }
  if (summary.problem) {
    if (summary.detail) actions.append(problemDetail(summary));
    focus = $("check");
  }
  if (entry.diagnosis) renderDiagnosis(entry, summary);
  focus.focus();
}

function problemDetail(summary) {
  const d = el("details", undefined, "problem-detail");
  d.append(el("summary", t("problemDetail")), el("pre", visible(summary.detail)));
  return d;
}

function removeButton(action, entry) {
  const primary = button(action.label, "primary");
  primary.id = "primary";
  primary.addEventListener("click", () => {
    primary.hidden = true;
    confirmRemoval($("actions"), action.conflict, {
      onConfirm: async () => {
        document.body.dataset.state = "removing";
        showProgress($("actions"), t("removing"), tabId).remove();
        const r = await ask({ cmd: "remove", tabId, url, conflict: action.conflict,
          profile: entry.diagnosis.profile && entry.diagnosis.profile.path });
        if (r.problem) show({ problem: r.problem });
        else show(r.result, { url, removal: r.removal });
      },
      onCancel: () => { primary.hidden = false; primary.focus(); },
    });
  });
  $("actions").append(primary);
  return primary;
}

function undoButton(fix) {
  const undo = button(t("undoButton", visible(fix.removal.removed.nickname)), "secondary");
  undo.id = "undo";
  undo.addEventListener("click", async () => {
    document.body.dataset.state = "undoing";
    showProgress($("actions"), t("undoing"), tabId).remove();
    const r = await ask({ cmd: "undo", tabId, url });
    if (r.problem) show({ problem: r.problem });
    else show(r.result, { ...fix, restored: r.restored });
  });
  $("actions").append(undo);
  $("note").textContent = t("undoNote");
  $("note").hidden = false;
  return undo;
}

// --- The sections below the summary ---------------------------------------------------------------------------------
function renderDiagnosis(entry, summary) {
  const d = entry.diagnosis;
  const others = summary.findings.filter((x) => x.code !== summary.code && x.code !== "not_overridable");
  $("findings").replaceChildren(...others.map((x) => {
    const box = el("div", undefined, "finding " + x.severity);
    box.dataset.code = x.code;
    box.append(el("h3", x.title), el("p", x.text));
    return box;
  }));
  $("situation").hidden = others.length === 0;

  $("conflicts").replaceChildren(...(d.conflicts || []).map((c) => comparison((d.chain || [])[c.cert] || {}, c)));
  $("device").replaceChildren(...deviceLines(d));
  $("device").hidden = !d.device;
  $("compare").hidden = !(d.conflicts || []).length;
  renderCompared($("compared"), d);

  // What else the user can do: the lead's advice is in the summary already.
  const todos = [...new Set(summary.findings.filter((x) => x.code !== "not_overridable" && x.code !== summary.code)
    .map((x) => x.todo).filter((x) => x && x !== summary.todo))];
  $("todo-list").replaceChildren(...todos.map((x) => el("li", x)));
  $("todo").hidden = todos.length === 0 || summary.tone === "ok";

  if (/^https?:\/\//i.test(options.helpdesk_url)) {
    const a = el("a", t("helpdeskLink"));
    a.href = options.helpdesk_url;
    $("helpdesk").replaceChildren(a);
    $("helpdesk").hidden = false;
  }
  if (!options.hide_details) {
    renderAdmin(d);
    renderDetails(entry);
  }
}

// Served and stored certificate side by side; the rows where they differ are marked (in words, not only colour).
function comparison(served, stored) {
  const section = el("div", undefined, "conflict");
  section.append(el("h3", t("storedAs", visible(stored.nickname))));
  const table = el("table");
  const head = el("tr");
  head.append(el("th", ""), el("th", t("columnServed")), el("th", t("columnStored")));
  table.append(head);
  const rows = [["fieldSubject", "subject"], ["fieldIssuer", "issuer"], ["fieldSerial", "serial"],
    ["fieldValidFrom", "not_before"], ["fieldValidUntil", "not_after"], ["fieldSha256", "sha256"]];
  for (const [label, key] of rows) {
    const a = served[key] || "";
    const b = stored[key] || "";
    const show = (v) => /^not_/.test(key) ? shownDate(v) : key === "sha256" ? fingerprint(v) : visible(v);
    const tr = el("tr", undefined, a !== b ? "differs" : "same");
    const th = el("th", t(label));
    if (a !== b) th.append(el("span", t("differs"), "differs-mark"));
    tr.append(th, el("td", show(a)), el("td", show(b)));
    table.append(tr);
  }
  section.append(table);
  if (stored.removal) section.append(el("p", afterText(stored.removal.firefox_error), "removal-effect"));
  return section;
}

// A SHA-256 in groups of four, as Firefox's certificate viewer shows fingerprints.
function fingerprint(hex) {
  return String(hex).toUpperCase().replace(/(.{4})(?=.)/g, "$1 ");
}

function commandBlock(command) {
  const box = el("div", undefined, "command");
  const copy = button(t("copyButton"), "secondary small");
  copy.addEventListener("click", async () => {
    await navigator.clipboard.writeText(command);
    copy.textContent = t("copiedButton");
    setTimeout(() => { copy.textContent = t("copyButton"); }, 2000);
  });
  box.append(el("pre", visible(command)), copy);
  return box;
}

function renderAdmin(d) {
  const body = $("admin-body");
  body.replaceChildren();
  const profile = d.profile && d.profile.path;
  body.append(commandBlock(`certdoctor diagnose ${sh(url)}` + (profile ? ` --profile ${sh(profile)}` : "")));
  for (const c of d.conflicts || []) {
    if (options.report_only) break;
    body.append(commandBlock(`certdoctor remove --profile ${sh(profile || "PROFILE")} --sha256 ${c.sha256}` +
      (c.removable ? "" : " --allow-trusted")));
  }
  if (profile) body.append(commandBlock(`certdoctor undo --profile ${sh(profile)} --list`));
  if (d.device) body.append(deviceAdmin(d, commandBlock));
  // The host's own advice for each finding, in its words (English), for whoever runs the servers.
  for (const f of d.findings) {
    if (!f.fix || f.code === "not_overridable" || (options.report_only && f.values && f.values.stored_sha256)) continue;
    const item = el("div", undefined, "host-advice");
    item.append(el("h4", visible(f.title)), el("pre", visible(f.fix, { multiline: true })));
    body.append(item);
  }
  $("admin").hidden = false;
}

// Why the host looked at this profile, by how it found it (profile.source); its own reason is English.
const PROFILE_SOURCE = { "argument": "profileSourceArgument", "parent process": "profileSourceParent",
  "lock": "profileSourceLock", "profiles.ini": "profileSourceDefault" };

function renderDetails(entry) {
  const d = entry.diagnosis;
  const body = $("details-body");
  body.replaceChildren();
  const line = (text) => body.append(el("p", text));
  if (d.firefox_error) line(t("errorNameLine", visible(d.firefox_error)));
  if (d.reported_error) line(t("reportedLine", visible(d.reported_error)));
  // Each finding by its code and its title in the user's language (the host's own title is English).
  for (const f of d.findings) line(t("findingLine", visible(f.code), describeFinding(f, d).title));
  if (d.connection) {
    line(t("connectionLine", visible(d.connection.address), visible(d.connection.port),
      visible(`${d.connection.tls_version || "-"} ${d.connection.cipher || ""}`.trim())));
    if (d.connection.proxy) line(t("proxyLine", visible(d.connection.proxy)));
  }
  if (entry.proxyNote) line(t("proxyUnsupported", entry.proxyNote));
  if (d.profile) {
    const why = PROFILE_SOURCE[d.profile.source];
    line(t("profileLine", visible(d.profile.path), why ? t(why) : visible(d.profile.reason)));
  }
  (d.chain || []).forEach((c, i) => {
    body.append(el("h4", t("servedCertificate", i)));
    const table = el("table");
    for (const [label, value] of [["fieldSubject", visible(c.subject || "")], ["fieldIssuer", visible(c.issuer || "")],
      ["fieldNames", visible((c.subject_alt_names || []).map((n) => n.value).join(", "))],
      ["fieldSerial", visible(c.serial || "")], ["fieldValidFrom", shownDate(c.not_before)],
      ["fieldValidUntil", shownDate(c.not_after)], ["fieldSha256", fingerprint(c.sha256 || "")]]) {
      const tr = el("tr");
      tr.append(el("th", t(label)), el("td", value));
      table.append(tr);
    }
    body.append(table);
  });
  $("details").hidden = false;
}

main();
