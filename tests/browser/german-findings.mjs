// Every finding of a diagnosis as a German user's extension shows it (the extension's own findings.js with the de
// catalog, as browser.i18n fills it), checked for English: a finding without words of its own (the general
// message), or English words in what the host sent and the German sentence shows. Values that are names
// (subjects, hosts, nicknames, URLs, serials, paths, NSS's error names) are shown as they are and left out.
// Used by truth.mjs check on every finding of every truth case.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { ROOT } from './with-extension.mjs';
import { getMessageFrom, messages } from './locales.mjs';

const EXT = path.join(ROOT, 'extension');
// Values shown verbatim: they come from certificates, the profile, the request or NSS, not from certdoctor's words.
const NAMES = new Set(['host', 'host_port', 'port', 'address', 'proxy', 'url', 'urls', 'other_url', 'other_host',
  'subject', 'issuer', 'issuer_subject', 'stored_subject', 'names', 'served_names', 'stored_names', 'nickname',
  'serial', 'trust', 'path', 'domain', 'alert_name', 'signature_algorithm', 'unchecked', 'refused', 'visits',
  'http_url', 'reissue_command', 'page_host']);
const ENGLISH = /\b(the|with|and|nothing|not|known|could|of|bits|none|defaults|loads|shows|then|which|its|this|that|there|unknown|no error)\b/i;

let german = null;
function context() {
  if (german) return german;
  const getMessage = getMessageFrom(messages('de'));
  const ctx = { browser: { i18n: { getMessage, getUILanguage: () => 'de' } }, console, Intl, Date };
  vm.createContext(ctx);
  for (const f of ['text.js', 'generated/codes.js', 'findings.js']) {
    vm.runInContext(fs.readFileSync(path.join(EXT, f), 'utf8'), ctx, { filename: f });
  }
  german = ctx;
  return ctx;
}

// The English a German user would read in this diagnosis' findings, as "code: what" lines; [] when there is none.
export function englishInGerman(d) {
  const ctx = context();
  const problems = [];
  for (const f of d.findings || []) {
    ctx.__f = f;
    ctx.__d = d;
    const shown = vm.runInContext('describeFinding(__f, __d)', ctx);
    if (shown.kind === 'other') { problems.push(`${f.code}: no words of its own, the general message instead`); continue; }
    let text = [shown.title, shown.text, shown.todo].join(' ');
    for (const name of vm.runInContext("CODES[__f.code].values", ctx)) {
      ctx.__name = name;
      const value = String(vm.runInContext('argValue(__name, __f, __d)', ctx));
      if (NAMES.has(name)) { text = text.split(value).join(' '); continue; }
      const bare = value.replace(/[\u2068\u2069]/g, '');
      if (ENGLISH.test(bare)) problems.push(`${f.code}: the value ${name} is English: ${JSON.stringify(bare)}`);
    }
    const english = ENGLISH.exec(text.replace(/[\u2068\u2069]/g, ''));
    if (english) problems.push(`${f.code}: English "${english[0]}" in ${JSON.stringify(text)}`);
  }
  return problems;
}
