// Notices certificate errors on top-level loads, marks the tab, and opens the Diagnose page for it.
"use strict";

async function remember(tabId, info) {
  await browser.storage.session.set({ ["tab:" + tabId]: info });
}

browser.webNavigation.onErrorOccurred.addListener(async (details) => {
  if (details.frameId !== 0) return;
  const code = securityErrorCode(details.error);
  if (!isCertificateOrTlsError(code)) return;
  await remember(details.tabId, { url: details.url, code, at: Date.now() });
  await browser.action.setBadgeText({ tabId: details.tabId, text: "!" });
  await browser.action.setBadgeBackgroundColor({ tabId: details.tabId, color: "#d70022" });
  await browser.action.setTitle({ tabId: details.tabId, title: browser.i18n.getMessage("actionTitleError") });
  // Administrators may have the diagnosis open by itself next to the error page.
  if ((await managedOptions()).auto_diagnose) {
    await openDiagnosis(await browser.tabs.get(details.tabId), details.url, code, true);
  }
});

// A successful load clears the mark.
browser.webNavigation.onCompleted.addListener(async (details) => {
  if (details.frameId !== 0) return;
  await browser.storage.session.remove("tab:" + details.tabId);
  await browser.action.setBadgeText({ tabId: details.tabId, text: "" });
});

// The toolbar button diagnoses the current tab: the error it had, or any https page on demand.
async function openDiagnosis(tab, url, code, auto) {
  const page = new URL(browser.runtime.getURL("diagnose.html"));
  page.searchParams.set("tab", String(tab.id));
  page.searchParams.set("url", url || "");
  if (code !== null && code !== undefined) page.searchParams.set("code", String(code));
  if (auto) page.searchParams.set("auto", "1");
  await browser.tabs.create({ url: page.toString(), index: tab.index + 1 });
}

// On demand: the code the tab's last failed load had, if it was for this very URL.
async function diagnoseTab(tab, url) {
  const stored = (await browser.storage.session.get("tab:" + tab.id))["tab:" + tab.id];
  await openDiagnosis(tab, url, stored && stored.url === url ? stored.code : null, false);
}

browser.action.onClicked.addListener((tab) => diagnoseTab(tab, tab.url));

// The same from the context menu of a page or a tab.
browser.runtime.onInstalled.addListener(() => {
  browser.menus.create({
    id: "certdoctor-diagnose",
    title: browser.i18n.getMessage("contextMenuDiagnose"),
    contexts: ["page", "tab"],
    documentUrlPatterns: ["https://*/*"],
  });
});

browser.menus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === "certdoctor-diagnose" && tab) diagnoseTab(tab, info.pageUrl || tab.url);
});
