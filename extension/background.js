// The background page: notices certificate errors on top-level loads, marks the tab (badge and title), asks the
// native host at once so that the answer is ready when the user opens the popup, and runs every request to the
// host on behalf of the popup and the Diagnose page (so that a removal finishes even when the popup closes).
//
// State lives in storage.session, because Firefox suspends an idle background page:
//   mark:<tab>    {url, code, at}                 the tab's last top-level load failed with this code
//   result:<tab>  {url, at, diagnosis | problem}  the last diagnosis of the tab's site
//   fix:<tab>     {url, removal, restored?}       the last removal made from this tab, for Undo
"use strict";

const running = new Map();  // tab id -> {url, promise, control}: diagnoses in flight
const navigationStart = new Map();  // tab id -> when its current top-level navigation began

const get = async (key) => (await browser.storage.session.get(key))[key];
const put = (key, value) => browser.storage.session.set({ [key]: value });
const drop = (key) => browser.storage.session.remove(key);

// --- The mark on the tab ------------------------------------------------------------------------------------------
// Firefox resets a tab's button state when the error page commits (measured: the badge set on the error was gone
// in 18 of 24 loads), so the mark is applied on the error and again when the error page commits and loads.
async function showMark(tabId) {
  await browser.action.setBadgeText({ tabId, text: "!" });
  await browser.action.setBadgeBackgroundColor({ tabId, color: "#d70022" });
  await browser.action.setBadgeTextColor({ tabId, color: "#ffffff" });
  await browser.action.setTitle({ tabId, title: t("actionTitleError") });
}

async function clearMark(tabId) {
  await drop(["mark:" + tabId, "result:" + tabId]);
  await browser.action.setBadgeText({ tabId, text: null }).catch(() => {});
  await browser.action.setTitle({ tabId, title: null }).catch(() => {});
}

browser.webNavigation.onBeforeNavigate.addListener((d) => {
  if (d.frameId === 0) navigationStart.set(d.tabId, d.timeStamp);
});

browser.webNavigation.onErrorOccurred.addListener(async (d) => {
  if (d.frameId !== 0) return;
  const code = securityErrorCode(d.error);
  if (!isCertificateOrTlsError(code)) return;
  await put("mark:" + d.tabId, { url: d.url, code, at: d.timeStamp });
  await showMark(d.tabId);
  // Ask now: the user will open the popup next.
  diagnose(d.tabId, d.url, code, true).catch(() => {});
  if ((await options()).auto_diagnose) await openPage(d.tabId, d.url, { auto: true });
});

async function markStillApplies(d) {
  const mark = await get("mark:" + d.tabId);
  return mark && mark.at >= (navigationStart.get(d.tabId) || 0) ? mark : null;
}

// The error page commits under the site's own URL, then loads as about:neterror / about:certerror.
browser.webNavigation.onCommitted.addListener(async (d) => {
  if (d.frameId === 0 && await markStillApplies(d)) await showMark(d.tabId);
});
browser.webNavigation.onDOMContentLoaded.addListener(async (d) => {
  if (d.frameId === 0 && /^about:(neterror|certerror)/.test(d.url) && await get("mark:" + d.tabId)) await showMark(d.tabId);
});

// A page that loads clears the mark (error pages never complete).
browser.webNavigation.onCompleted.addListener(async (d) => {
  if (d.frameId === 0 && /^https?:/.test(d.url)) await clearMark(d.tabId);
});

browser.tabs.onRemoved.addListener((tabId) => {
  drop(["mark:" + tabId, "result:" + tabId, "fix:" + tabId, "page:" + tabId]);
  running.delete(tabId);
});

// Firefox reads managed storage once per start of the extension, so the background reads it once too.
let managed = null;
const options = () => managed || (managed = managedOptions());

// The administrator's removals, once per start of the extension (policy.js): the list may have changed with the
// policy Firefox read at this start.
applyRemovalPolicy(options).catch((e) => console.error("certdoctor: the policy's removals", e));

// --- Requests to the host -----------------------------------------------------------------------------------------
async function proxyFields(url) {
  const p = await firefoxProxy(url);
  return { request: p.proxy ? { proxy: p.proxy } : {}, note: p.unsupported || "" };
}

// The diagnosis of `url` for this tab: the stored one when it is for this URL (unless `fresh`), the one in flight,
// or a new request. Resolves with {url, at, diagnosis} or {url, at, problem}; never rejects.
async function diagnose(tabId, url, code, fresh = false) {
  const inFlight = running.get(tabId);
  if (inFlight && inFlight.url === url && !fresh) return inFlight.promise;
  if (inFlight) inFlight.control.cancel();
  if (!fresh) {
    const stored = await get("result:" + tabId);
    if (stored && stored.url === url && !await lacksComparison(stored)) return stored;
  }
  const control = {};
  const promise = (async () => {
    const at = Date.now();
    let entry;
    try {
      const { request, note } = await proxyFields(url);
      const compare = await compareField(tabId, url, code);  // twins.js: the other open sites
      const message = { type: "diagnose", url, ...request, ...compare.request };
      if (Number.isInteger(code)) message.reported_code = code;
      const diagnosis = await askHost(message, control);
      if (!Array.isArray(diagnosis.findings)) throw new Problem("garbage", "no findings");
      entry = { url, at, diagnosis, proxyNote: note, compare: compare.state };
    } catch (e) {
      entry = { url, at, problem: e instanceof Problem ? e.toJSON() : { code: "internal", detail: String(e) } };
    }
    if (running.get(tabId) && running.get(tabId).promise === promise) running.delete(tabId);
    // A cancelled request leaves no result behind: the next look asks again.
    if (!entry.problem || entry.problem.code !== "cancelled") await put("result:" + tabId, entry);
    return entry;
  })();
  running.set(tabId, { url, promise, control });
  return promise;
}

// Removes one stored certificate (the user confirmed it), reloads the tab so Firefox looks again, and diagnoses the
// site afresh: the views then show what is true now. Never a trusted or distrusted one: the views offer removal only
// for `removable` certificates, and the host refuses any other without allow_trusted (docs/SECURITY.md).
async function remove(tabId, url, conflict, profile) {
  try {
    const { request } = await proxyFields(url);
    const removal = await askHost({ type: "remove", sha256: conflict.sha256, url, allow_trusted: false,
      ...(profile ? { profile } : {}), ...request });
    await put("fix:" + tabId, { url, removal });
    await browser.tabs.reload(tabId).catch(() => {});
    return { removal, result: await diagnose(tabId, url, null, true) };
  } catch (e) {
    return { problem: e instanceof Problem ? e.toJSON() : { code: "internal", detail: String(e) } };
  }
}

async function undo(tabId, url) {
  const fix = await get("fix:" + tabId);
  try {
    const restored = await askHost({ type: "undo", backup_id: fix && fix.removal.backup_id,
      ...(fix ? { profile: fix.removal.profile } : {}) });
    await put("fix:" + tabId, { ...fix, restored });
    return { restored, result: await diagnose(tabId, url, null, true) };
  } catch (e) {
    return { problem: e instanceof Problem ? e.toJSON() : { code: "internal", detail: String(e) } };
  }
}

// --- The full Diagnose page ---------------------------------------------------------------------------------------
// One page per tab: opening it again (More details, the menu, auto_diagnose on every reload) reuses it.
async function openPage(tabId, url, { auto = false } = {}) {
  const page = new URL(browser.runtime.getURL("diagnose.html"));
  page.searchParams.set("tab", String(tabId));
  page.searchParams.set("url", url || "");
  const existing = await get("page:" + tabId);
  if (existing !== undefined) {
    const open = await browser.tabs.get(existing).catch(() => null);
    if (open) {
      await browser.tabs.update(existing, { url: page.toString(), ...(auto ? {} : { active: true }) });
      return existing;
    }
  }
  const tab = await browser.tabs.get(tabId).catch(() => null);
  const created = await browser.tabs.create({ url: page.toString(), active: !auto,
    ...(tab ? { index: tab.index + 1, windowId: tab.windowId } : {}) });
  await put("page:" + tabId, created.id);
  return created.id;
}

// The context menu of a page or of a tab (a click on it grants activeTab for that tab, so its URL is known).
browser.runtime.onInstalled.addListener(() => {
  browser.menus.create({ id: "certdoctor-diagnose", title: t("contextMenuDiagnose"), contexts: ["page", "tab"] });
});
browser.menus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === "certdoctor-diagnose" && tab) openPage(tab.id, tab.url || info.pageUrl || "");
});

// --- What the popup and the page ask ------------------------------------------------------------------------------
browser.runtime.onMessage.addListener((m, sender) => {
  if (sender.id !== browser.runtime.id || !m || typeof m.cmd !== "string") return undefined;
  switch (m.cmd) {
    case "state": {  // everything a view shows for a tab, without asking the host: one read, the popup waits on it
      const keys = ["mark:", "result:", "fix:"].map((k) => k + m.tabId);
      return Promise.all([browser.storage.session.get(keys), options()]).then(async ([stored, opts]) => ({
        mark: stored[keys[0]], result: await lacksComparison(stored[keys[1]]) ? undefined : stored[keys[1]],
        fix: stored[keys[2]], options: opts,
        busy: running.has(m.tabId) && running.get(m.tabId).url === m.url }));
    }
    case "diagnose": return get("mark:" + m.tabId).then((mark) =>
      diagnose(m.tabId, m.url, mark && mark.url === m.url ? mark.code : null, m.fresh));
    case "cancel": {
      const r = running.get(m.tabId);
      if (r) r.control.cancel();
      return Promise.resolve(true);
    }
    case "remove": return remove(m.tabId, m.url, m.conflict, m.profile);
    case "undo": return undo(m.tabId, m.url);
    case "openPage": return openPage(m.tabId, m.url);
    case "openSeparately": return openSeparately(m.tabId);
    default: return undefined;
  }
});
