// Putting text on a page safely. Everything that comes from the host or a certificate is hostile input: it is
// set as text (textContent, never innerHTML), and characters that change how the text around them is displayed
// without being seen themselves are shown by their code point, e.g. ⟨U+202E⟩. Otherwise a subject holding a
// right-to-left override reads "moc.evil" as "live.com", and a zero-width space makes two names look equal.
"use strict";

// Format characters (Unicode category Cf: bidi embeddings, overrides and isolates U+202A–U+202E and
// U+2066–U+2069, the marks U+200E/U+200F/U+061C, zero-width U+200B–U+200D and U+2060–U+2064, U+FEFF, the soft
// hyphen, tag characters...), controls, and the line and paragraph separators.
const INVISIBLE = /[\p{Cf}\p{Cc}\u2028\u2029]/gu;

function codePoint(c) {
  return "U+" + c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
}

// A value from a certificate or the host as it is, nothing hidden. The result is wrapped in an isolate (FSI ...
// PDI) so that a right-to-left name (Hebrew, Arabic) stays inside its own place in a sentence: the same
// isolation Firefox's own messages give their placeholders. It is safe because every bidi control the value
// itself held is now visible text.
// `multiline`: line breaks and tabs stay (the host's advice, shown in a <pre>).
function visible(value, { multiline = false } = {}) {
  const shown = String(value).replace(INVISIBLE, (c) => multiline && (c === "\n" || c === "\t") ? c : "⟨" + codePoint(c) + "⟩");
  return "\u2068" + shown + "\u2069";
}

// Text from _locales; `subs` fill the message's placeholders in order. Values from outside go through visible()
// before they are passed here.
function t(key, ...subs) {
  const text = browser.i18n.getMessage(key, subs.map(String));
  if (!text) console.error("certdoctor: no message " + key);
  return text;
}

// POSIX shell quoting: the commands paste safely whatever a value holds.
function sh(s) {
  return "'" + String(s).replace(/'/g, "'\\''") + "'";
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function button(text, cls) {
  const b = el("button", text, cls);
  b.type = "button";
  return b;
}

// A date from the host (ISO 8601 UTC) in the user's language, e.g. "22 Nov 2026, 17:09 UTC".
function shownDate(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return visible(iso || "");
  return new Intl.DateTimeFormat(browser.i18n.getUILanguage(), { dateStyle: "medium", timeStyle: "short",
    timeZone: "UTC" }).format(d) + " UTC";
}

// Translates the static parts of a page: elements with data-i18n get that message as their text.
function translatePage() {
  document.documentElement.lang = browser.i18n.getUILanguage();
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
}

if (typeof module !== "undefined") module.exports = { visible };
