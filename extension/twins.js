// Two devices with one certificate identity (the same issuer and serial), the second refused because Firefox holds
// the first one's certificate in memory: nothing stored explains it, so there is nothing to remove. What helps,
// measured in Firefox ESR 153.8 (tests/browser/measure-twins.mjs): a separate Firefox with a profile of its own;
// closing the other device's tabs and then about:memory's "Minimize memory usage"; quitting and starting Firefox
// again. What does not: closing the tabs and waiting, Clear Recent History, a private window, a container tab.
//
// The background asks the host to compare the site with the user's other open https tabs (their origins only),
// once the user has granted the optional "tabs" permission for that; without it the diagnosis says what it could
// not check and offers the permission with its reason. Loaded by the background, the popup and the Diagnose page.
"use strict";

const MAX_COMPARED_SITES = 20;  // the host fetches at most this many too
const TABS_PERMISSION = { permissions: ["tabs"] };

// --- The background's part ------------------------------------------------------------------------------------------
// The `compare` field of a diagnose request and what the views say about it: {request, state}, state "done" (the
// open tabs were listed), "no_permission" (they could not be), "not_needed" (not an error that an identity held in
// memory may cause: the table of codes, generated/codes.js, marks those `held`).
function mayBeHeld(code) {
  return Object.values(CODES).some((c) => c.kind === "held" && c.number === code);
}

async function compareField(tabId, url, code) {
  if (!mayBeHeld(code)) return { request: {}, state: "not_needed" };
  if (!await browser.permissions.contains(TABS_PERMISSION)) return { request: {}, state: "no_permission" };
  return { request: { compare: await otherOpenSites(tabId, url) }, state: "done" };
}

// The other open https tabs as origins (https://host:port/): deduplicated, without this tab's site, the most
// recently used first. Paths and queries stay in the browser: the host needs only where to connect.
async function otherOpenSites(tabId, url) {
  const own = originOf(url);
  const tabs = (await browser.tabs.query({})).filter((tab) => tab.id !== tabId)
    .sort((a, b) => (b.lastAccessed || 0) - (a.lastAccessed || 0));
  const sites = [];
  for (const tab of tabs) {
    const origin = /^https:\/\//i.test(tab.url || "") ? originOf(tab.url) : null;
    if (origin && origin !== own && !sites.includes(origin)) sites.push(origin);
  }
  return sites.slice(0, MAX_COMPARED_SITES);
}

function originOf(u) {
  try {
    const parsed = new URL(u);
    return parsed.protocol === "https:" ? parsed.origin + "/" : null;
  } catch {
    return null;
  }
}

// Opens the tab's own page in a separate Firefox (the host starts it with a throw-away profile). The address is
// the tab's, never one from the message: the page Firefox refused in that tab.
async function openSeparately(tabId) {
  const tab = await browser.tabs.get(tabId).catch(() => null);
  const mark = (await browser.storage.session.get("mark:" + tabId))["mark:" + tabId];
  const url = [tab && tab.url, mark && mark.url].find((u) => /^https:\/\//i.test(u || ""));
  if (!url) return { problem: { code: "host_refused", detail: "not an https page" } };
  try {
    return { opened: await askHost({ type: "open_separately", url }) };
  } catch (e) {
    return { problem: e instanceof Problem ? e.toJSON() : { code: "internal", detail: String(e) } };
  }
}

// --- What the popup and the Diagnose page show ----------------------------------------------------------------------
// The summary when a certificate held in memory leads (a finding of kind "twin"). `twins`: what twinActions offers;
// `named`: the finding names the other site (its values carry other_url).
function twinSummary(entry, lead, described) {
  const named = !!(lead.finding.values || {}).other_url;
  return { tone: "bad", headline: lead.title, text: lead.text, todo: lead.todo, code: lead.code, findings: described,
    twins: { named, compare: entry.compare || "not_needed" } };
}

// The one-click remedy (and, while the other device is not named yet, the way to name it) under the summary.
// `recheck()` diagnoses again; returns the element that should have the focus.
function twinActions(place, twins, { tabId, recheck }) {
  const open = button(t("openSeparatelyButton"), "primary");
  open.id = "open-separately";
  const note = el("p", t("openSeparatelyNote"), "note");
  note.id = "separate-note";
  const outcome = el("p", undefined, "note");
  outcome.id = "separate-outcome";
  outcome.setAttribute("role", "status");
  outcome.hidden = true;
  open.addEventListener("click", async () => {
    open.disabled = true;
    const r = await ask({ cmd: "openSeparately", tabId });
    open.disabled = false;
    // Why it failed: the host's refusal in the user's language when it has one, else what was reported.
    const why = !r.opened && (r.problem.request ? t(`request_${r.problem.request}`) : visible(r.problem.detail || r.problem.code));
    outcome.textContent = r.opened ? t("openSeparatelyDone") : t("openSeparatelyFailed", why);
    outcome.dataset.outcome = r.opened ? "opened" : "failed";
    if (r.opened) outcome.dataset.pid = String(r.opened.pid);
    outcome.hidden = false;
  });
  place.append(open, note, outcome);
  if (!twins.named && twins.compare === "no_permission") {
    // The reason first, then Firefox's own question (permissions.request must run in the click itself).
    const why = el("p", t("findOtherReason"), "note");
    const find = button(t("findOtherButton"), "secondary");
    find.id = "find-other";
    find.addEventListener("click", () => {
      browser.permissions.request(TABS_PERMISSION).then((granted) => {
        if (granted) recheck();
        else why.textContent = t("findOtherRefused");
      });
    });
    place.append(why, find);
  } else if (!twins.named && twins.compare === "done") {
    place.append(el("p", t("findOtherNone"), "note"));
  }
  return open;
}

// The Diagnose page's details: which open sites were compared, and what each gave.
function renderCompared(section, d) {
  const compared = d.compared || [];
  section.hidden = compared.length === 0;
  if (!compared.length) return;
  const list = el("ul");
  for (const c of compared) {
    // A twin Firefox does not accept through a trust anchor rarely causes the error (the host's prediction).
    const conflict = c.prediction === "may_be_refused" ? "comparedTwin" : "comparedConflict";
    const key = { conflict, no_conflict: "comparedNoConflict", unreachable: "comparedUnreachable",
      same_site: "comparedSameSite" }[c.status] || "comparedNotChecked";
    const item = el("li", t(key, visible(c.url), visible(c.subject || c.reason || "")));
    item.dataset.status = c.status;
    list.append(item);
  }
  section.replaceChildren(el("h2", t("sectionCompared")), list);
}

// A result made without the open tabs, while Firefox now allows listing them (the user granted it, perhaps from a
// popup that closed for Firefox's question): it is asked again rather than shown.
async function lacksComparison(entry) {
  return !!entry && entry.compare === "no_permission" && await browser.permissions.contains(TABS_PERMISSION);
}
