// The popup of the toolbar button (and of the keyboard shortcut): this tab's state at a glance, with the one thing
// to do. Opening it grants activeTab, which is how it knows the tab's address; the background has usually asked the
// host already (it does so when it notices the error), so the answer is there at once.
"use strict";

const $ = (id) => document.getElementById(id);
let tabId = null;
let url = "";
let options = {};

// Firefox focuses the popup's document when the panel has opened, which can come after the state is shown (the
// answer is often ready at once): the element that should have the focus gets it again then.
let wanted = null;
function focusOn(element) {
  wanted = element;
  element.focus();
}
window.addEventListener("focus", () => { if (wanted && document.activeElement !== wanted) wanted.focus(); });

function hostOf(u) {
  try { return new URL(u).host; } catch { return ""; }
}

async function main() {
  translatePage();
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  tabId = tab.id;
  const state = await ask({ cmd: "state", tabId, url: tab.url || "" });
  url = tab.url || (state.mark && state.mark.url) || "";
  options = state.options;
  $("site").textContent = visible(hostOf(url));
  if (!/^https:\/\//i.test(url)) {
    showSummary($("summary"), { tone: "info", headline: t("notHttpsTitle"), text: t("notHttpsText") });
    document.body.dataset.state = "not-https";
    return;
  }
  $("more").hidden = false;
  const ready = state.result && state.result.url === url && !state.busy ? state.result : null;
  if (state.fix && state.fix.url === url && !state.fix.restored) {
    // Until the user undoes it, the removal made from this tab is what the popup is about.
    showAfter(state.fix, ready || await ask({ cmd: "diagnose", tabId, url }));
  } else if (ready) {
    show(ready);
  } else {
    await check(false);
  }
}

async function check(fresh) {
  document.body.dataset.state = "checking";
  $("summary").replaceChildren();
  $("note").hidden = true;
  focusOn(showProgress($("actions"), t("checking"), tabId));
  show(await ask({ cmd: "diagnose", tabId, url, fresh }));
}

function show(entry) {
  const summary = summarize(entry, options);
  document.body.dataset.state = summary.problem ? "problem" : "result";
  document.body.dataset.shownAt = String(Date.now());  // when the verdict appeared (tools/bench-extension.mjs)
  const headline = showSummary($("summary"), summary);
  if (entry.diagnosis) $("summary").append(...deviceLines(entry.diagnosis));
  const actions = $("actions");
  actions.replaceChildren();
  if (summary.action && summary.action.kind === "remove") {
    const primary = button(summary.action.label, "primary");
    primary.id = "primary";
    primary.addEventListener("click", () => {
      primary.hidden = true;
      confirmRemoval(actions, summary.action.conflict, {
        onConfirm: () => removeIt(summary.action.conflict, entry),
        onCancel: () => { primary.hidden = false; focusOn(primary); },
      });
    });
    actions.append(primary);
    focusOn(primary);
  } else if (summary.action) {
    actions.append(el("p", summary.action.label, "report-only"));
  } else if (summary.twins) {
    focusOn(twinActions(actions, summary.twins, { tabId, recheck: () => check(true) }));
  }
  if (summary.tone === "problem") {
    const again = button(t("checkAgainButton"), "primary");
    again.id = "again";
    again.addEventListener("click", () => check(true));
    actions.append(again);
    focusOn(again);
  } else if (!summary.action) {
    focusOn(headline);
  }
}

async function removeIt(conflict, entry) {
  document.body.dataset.state = "removing";
  showProgress($("actions"), t("removing"), tabId);
  $("actions").querySelector("#cancel").remove();  // a removal is not cut off half-way
  const r = await ask({ cmd: "remove", tabId, url, conflict,
    profile: entry.diagnosis.profile && entry.diagnosis.profile.path });
  if (r.problem) { show({ problem: r.problem }); return; }
  showAfter({ url, removal: r.removal }, r.result);
}

function showAfter(fix, entry) {
  const after = afterRemoval(fix, entry);
  document.body.dataset.state = fix.restored ? "restored" : "removed";
  const headline = showSummary($("summary"), after);
  const actions = $("actions");
  actions.replaceChildren();
  if (!fix.restored) {
    const undo = button(t("undoButton", visible(fix.removal.removed.nickname)), "secondary");
    undo.id = "undo";
    undo.addEventListener("click", async () => {
      document.body.dataset.state = "undoing";
    showProgress(actions, t("undoing"), tabId).remove();
      const r = await ask({ cmd: "undo", tabId, url });
      if (r.problem) { show({ problem: r.problem }); return; }
      showAfter({ ...fix, restored: r.restored }, r.result);
    });
    actions.append(undo);
    $("note").textContent = t("undoNote");
    $("note").hidden = false;
    focusOn(undo);
  } else {
    $("note").hidden = true;
    focusOn(headline);
  }
}

$("more").addEventListener("click", async () => {
  await ask({ cmd: "openPage", tabId, url });
  window.close();
});

main();
