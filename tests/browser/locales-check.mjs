#!/usr/bin/env node
// The extension's two locales are complete and agree: the same keys and placeholders in en and de, every message
// the code asks for exists (t("..."), data-i18n, __MSG_..__, and the finding and problem messages built from codes),
// German is really German (not English copied), and every code of the host's one table of codes (the extension's
// copy, generated/codes.js) has words of its own in both, rendering with no placeholder left over.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { ROOT } from './with-extension.mjs';
import { getMessageFrom, messages } from './locales.mjs';

const EXT = path.join(ROOT, 'extension');
const en = messages('en');
const de = messages('de');
const source = (f) => fs.readFileSync(path.join(EXT, f), 'utf8');

// Same keys, same placeholders.
assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort(), 'de has exactly the keys of en');
for (const key of Object.keys(en)) {
  assert.deepEqual(de[key].placeholders || {}, en[key].placeholders || {}, `${key}: the same placeholders`);
  for (const lang of [en, de]) {
    assert.ok(lang[key].message.trim(), `${key}: not empty`);
    for (const used of lang[key].message.match(/\$[A-Z0-9_]+\$/g) || []) {
      assert.ok((lang[key].placeholders || {})[used.slice(1, -1).toLowerCase()], `${key}: ${used} is defined`);
    }
  }
}
// German, not copied English (names and formats excepted).
const same = Object.keys(en).filter((k) => en[k].message === de[k].message);
assert.deepEqual(same.sort(), ['extensionName', 'findingLine', 'pageTitle', 'problemDetail'].sort(), 'untranslated: ' + same);

// Every key the code names exists.
const wanted = new Set();
for (const file of fs.readdirSync(EXT).filter((f) => /\.(js|html)$/.test(f)).concat('generated/codes.js')) {
  const text = source(file);
  for (const m of text.matchAll(/\bt\("([A-Za-z0-9_]+)"/g)) wanted.add(m[1]);
  for (const m of text.matchAll(/data-i18n(?:-title)?="([A-Za-z0-9_]+)"/g)) wanted.add(m[1]);
}
for (const m of source('manifest.json').matchAll(/__MSG_([A-Za-z0-9_]+)__/g)) wanted.add(m[1]);
// The host's engine words facts with the same English catalog, compiled in (diagnosis/catalog.hpp): the keys it
// asks for exist, in German too.
const engineKeys = new Set();  // (each is asked for as catalog_words("key"), so that it is found here)
for (const file of fs.readdirSync(path.join(ROOT, 'native-host/lib'), { recursive: true }).filter((f) => f.endsWith('.cpp'))) {
  const text = fs.readFileSync(path.join(ROOT, 'native-host/lib', file), 'utf8');
  for (const m of text.matchAll(/catalog_words\("([A-Za-z0-9_]+)"/g)) { wanted.add(m[1]); engineKeys.add(m[1]); }
}

// The findings' and problems' messages, built from codes: load findings.js and verdict.js as Firefox would, with
// browser.i18n answering from a locale the way Firefox fills placeholders ($1 ... from the substitutions).
function context(lang) {
  const getMessage = getMessageFrom(lang);
  const ctx = { browser: { i18n: { getMessage, getUILanguage: () => (lang === de ? 'de' : 'en') } }, console, Intl, Date, module: undefined };
  vm.createContext(ctx);
  for (const f of ['text.js', 'generated/codes.js', 'findings.js', 'twins.js', 'verdict.js']) {
    vm.runInContext(source(f), ctx, { filename: f });
  }
  return vm.runInContext('({ CODES, REQUEST_ERRORS, describeFinding, summarize })', ctx);
}
// Every row of the table: its three messages, and the button's label of a removal.
const { CODES, REQUEST_ERRORS } = context(en);
// Every request error a host reply can carry has its words (request_<code>).
for (const code of REQUEST_ERRORS) wanted.add(`request_${code}`);
const table = fs.readFileSync(path.join(ROOT, 'native-host/lib/codes/codes.def'), 'utf8');
const rows = [...table.matchAll(/^CERTDOCTOR_(?:FIREFOX_ERROR\(\w+,\s*(\w+)|CONDITION\((\w+))/gm)].map((m) => m[1] || m[2]);
assert.deepEqual(Object.keys(CODES), rows, 'generated/codes.js has every row of codes.def, in its order');
for (const code of [...Object.keys(CODES), 'other']) for (const suffix of ['', '_text', '_todo']) wanted.add(`f_${code}${suffix}`);
for (const [code, facts] of Object.entries(CODES)) if (facts.kind === 'removal') wanted.add(`f_${code}_action`);
const problems = /const known = \[([^\]]+)\]/.exec(source('verdict.js'))[1].match(/"([a-z_]+)"/g).map((x) => x.slice(1, -1));
for (const code of [...problems, 'internal']) { wanted.add(`problem_${code}`); wanted.add(`problem_${code}_text`); }
const missing = [...wanted].filter((k) => !en[k]);
assert.deepEqual(missing, [], 'messages the code asks for');

// Every finding renders in both languages with its values in place, in words of its own (not the general message).
const unshown = [];
for (const lang of [en, de]) {
  const { describeFinding } = context(lang);
  for (const [code, facts] of Object.entries(CODES)) {
    const values = Object.fromEntries(facts.values.map((n) => [n, /not_/.test(n) ? '2026-11-22T17:09:51Z' : `value-of-${n}`]));
    const f = describeFinding({ code, severity: facts.severity, values },
      { host: 'h.example', chain: [{ authority_info_access: { ca_issuers: ['http://pki.example/ca.cer'] } }] });
    assert.notEqual(f.kind, 'other', `${code} has words of its own`);
    for (const part of ['title', 'text', 'todo']) {
      assert.ok(f[part] && !/\$[A-Z0-9_]+\$|\$\d/.test(f[part]), `${code}.${part}: ${f[part]}`);
    }
    // Each value the table lists is shown somewhere in the finding's words.
    for (const n of facts.values) {
      if (/not_|^(aia|after|reissue_command|http_url|accepted|version|page_host|expired_note)$/.test(n)) continue;
      if (![f.title, f.text, f.todo].some((x) => x.includes(`value-of-${n}`))) unshown.push(`${code} (${lang === en ? "en" : "de"}): ${n}`);
    }
  }
}
assert.deepEqual(unshown, [], 'values the table lists that the words do not show');
// A device sharing its identity: the permanent fix is certdoctor's re-issue command for this site, quoted for the
// shell whatever the URL holds, in both languages.
for (const lang of [en, de]) {
  const { describeFinding } = context(lang);
  const f = describeFinding({ code: 'shared_device_serial', severity: 'error', values: { url: "https://sw'a.test:8443/" } },
    { host: "sw'a.test" });
  assert.ok(f.todo.includes(`certdoctor reissue 'https://sw'\\''a.test:8443/'`), `shared_device_serial.todo: ${f.todo}`);
  assert.ok(!/openssl|set_serial/.test(f.todo), `shared_device_serial.todo names no openssl command: ${f.todo}`);
}
// (Keys passed around as strings, e.g. the table's row labels, count as used.)
const literals = new Set(fs.readdirSync(EXT).filter((f) => f.endsWith('.js'))
  .flatMap((f) => [...source(f).matchAll(/"([A-Za-z0-9_]+)"/g)].map((m) => m[1])));
const unused = Object.keys(en).filter((k) => !wanted.has(k) && !literals.has(k));
assert.deepEqual(unused, [], 'messages nothing uses');
console.log(`ok: ${Object.keys(en).length} messages in en and de, ${wanted.size} asked for by the code ` +
  `(${Object.keys(CODES).length} codes with words of their own, ${REQUEST_ERRORS.length} request errors, ` +
  `${engineKeys.size} words for the host's facts)`);
