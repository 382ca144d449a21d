// What the popup and the Diagnose page share: asking the background, and showing one summary with its action
// (remove after confirmation, then Undo) and its failures. Both views show the same words for the same state.
"use strict";

const ask = (message) => browser.runtime.sendMessage(message);

// Shows `summary` (see verdict.js) in `box`: a headline, what it means, what to do.
function showSummary(box, summary) {
  box.className = "summary tone-" + summary.tone;
  box.dataset.tone = summary.tone;
  box.dataset.code = summary.problem || summary.code || "";
  const headline = el("h1", summary.headline, "headline");
  headline.tabIndex = -1;
  box.replaceChildren(headline, el("p", summary.text, "text"));
  if (summary.todo) box.append(el("p", summary.todo, "todo"));
  return headline;
}

// The removal, asked first: one confirmation at a time, naming the certificate; Escape or Cancel takes it back.
// `onConfirm` runs the removal; `onCancel` gets the focus back where it was.
function confirmRemoval(place, conflict, { onConfirm, onCancel }) {
  if (place.querySelector(".confirm")) return;
  const box = el("div", undefined, "confirm");
  box.setAttribute("role", "group");
  box.append(el("p", t("confirmRemoval", visible(conflict.nickname)) +
    (conflict.caution ? " " + t("confirmCaution", visible(conflict.caution)) : "")));
  const yes = button(t("confirmButton"), "danger");
  yes.id = "confirm-removal";
  const no = button(t("cancelButton"), "secondary");
  no.id = "confirm-cancel";
  const row = el("div", undefined, "buttons");
  row.append(yes, no);
  box.append(row);
  const close = () => { box.remove(); document.removeEventListener("keydown", onKey, true); };
  const onKey = (e) => {
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(); onCancel(); }
  };
  document.addEventListener("keydown", onKey, true);
  no.addEventListener("click", () => { close(); onCancel(); });
  yes.addEventListener("click", () => { yes.disabled = no.disabled = true; close(); onConfirm(); });
  place.append(box);
  yes.focus();
}

// A line of progress with a Cancel button that ends the request to the host.
function showProgress(place, text, tabId) {
  const p = el("p", text, "progress");
  p.setAttribute("role", "status");
  const cancel = button(t("cancelButton"), "secondary");
  cancel.id = "cancel";
  cancel.addEventListener("click", () => ask({ cmd: "cancel", tabId }));
  place.replaceChildren(p, cancel);
  return cancel;
}
