// The extension's messages as Firefox reads them (_locales/<lang>/messages.json), for tests that compare what a
// page shows with what the locale says.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './with-extension.mjs';

export function messages(lang) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'extension/_locales', lang, 'messages.json'), 'utf8'));
}

// A message with its placeholders filled as the extension fills them (values wrapped in Unicode isolates, FSI/PDI).
export function expectedText(message, ...values) {
  let text = message.message;
  for (const [name, p] of Object.entries(message.placeholders || {})) {
    const i = Number(p.content.slice(1)) - 1;
    text = text.split(`$${name.toUpperCase()}$`).join('\u2068' + values[i] + '\u2069');
  }
  return text;
}

// browser.i18n.getMessage answering from `catalog` (messages(lang)) the way Firefox fills placeholders: $NAME$ is the
// placeholder's content, whose $1 ... are the substitutions.
export function getMessageFrom(catalog) {
  return (key, subs = []) => {
    const m = catalog[key];
    if (!m) return '';
    return m.message.replace(/\$([A-Z0-9_]+)\$/g, (all, name) => {
      const p = (m.placeholders || {})[name.toLowerCase()];
      return p ? p.content.replace(/\$(\d)/g, (x, i) => subs[Number(i) - 1] ?? '') : all;
    });
  };
}
