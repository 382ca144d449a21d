#!/bin/bash
# Adding a code takes its row in codes.def, its check, its words in each locale and its test: nothing else. In a
# scratch copy of the tree this adds a condition row, and shows that
#   - the table's C++ rooms know it from the row alone (Condition::<name> and its code compile);
#   - the extension's copy of the table (generated/codes.js) follows from the row through tools/codes_js, and the
#     committed copy's staleness test notices that it must be written again;
#   - the locale check refuses the row without words of its own in every locale, and with them renders it in
#     English and German through the extension's own findings.js, which nobody touched.
# Usage: codes-scratch.sh SOURCE_DIR CXX NODE NSS_INCLUDE_DIR...
set -euo pipefail
src=$1 cxx=$2 node=$3
shift 3
includes=()
for dir in "$@"; do includes+=(-I "$dir"); done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/native-host" "$scratch/tools" "$scratch/tests/browser"
cp -r "$src/native-host/lib" "$scratch/native-host/"
cp -r "$src/tools/codes_js" "$scratch/tools/"
cp -r "$src/extension" "$scratch/"
cp "$src"/tests/browser/*.mjs "$scratch/tests/browser/"
ln -s "$src/tests/browser/node_modules" "$scratch/tests/browser/node_modules"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. The row.
python3 - "$scratch/native-host/lib/codes/codes.def" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
row = '''CERTDOCTOR_CONDITION(clock_skew, warning, web(note, host, minutes),
    "The clock of {host} is {minutes} minutes off",
    "The server's clock differs from this computer's by {minutes} minutes.",
    "Set the server's clock from a time server (NTP).")
'''
at = s.index("// --- Requests that cannot be carried out")
open(p, "w").write(s[:at] + row + s[at:])
PY

# 2. Its check: the C++ rooms take the row (a condition's code, the diagnosis' words).
cat > "$scratch/check.cpp" <<'CPP'
#include "base/conditions.hpp"
static_assert(certdoctor::code_of(certdoctor::Condition::clock_skew) == "clock_skew");
CPP
"$cxx" -std=c++20 -fsyntax-only -I "$scratch/native-host/lib" "$scratch/check.cpp" || fail "Condition::clock_skew does not compile"
"$cxx" -std=c++20 -fsyntax-only -I "$scratch/native-host/lib" "${includes[@]}" \
  "$scratch/native-host/lib/diagnosis/error_table.cpp" || fail "the error table does not take the row"

# 3. The extension's copy of the table, from the row.
"$cxx" -std=c++20 -O0 -I "$scratch/native-host/lib" "${includes[@]}" "$scratch/tools/codes_js/codes_js.cpp" \
  -o "$scratch/codes_js"
if "$scratch/codes_js" --check "$scratch/extension/generated/codes.js" 2>/dev/null; then
  fail "the staleness check did not notice the new row"
fi
"$scratch/codes_js" "$scratch/extension/generated/codes.js"
grep -q '^  clock_skew: { kind: "note", values: \["host", "minutes"\]' "$scratch/extension/generated/codes.js" ||
  fail "generated/codes.js lacks the new row"

# 4. Without words of its own, the locale check refuses it.
if (cd "$scratch/tests/browser" && "$node" locales-check.mjs >"$scratch/without.log" 2>&1); then
  fail "the locale check passed a row without words"
fi
grep -q 'f_clock_skew' "$scratch/without.log" || { cat "$scratch/without.log"; fail "the locale check failed for another reason"; }

# 5. Its words in each locale: then everything passes, with nothing else edited.
"$node" - "$scratch/extension/_locales" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
const words = {
  en: ['The clock of $HOST$ is $MINUTES$ minutes off', "The server's clock differs from this computer's.",
       "Ask the site's administrator to set the server's clock from a time server."],
  de: ['Die Uhr von $HOST$ geht um $MINUTES$ Minuten falsch', 'Die Uhr des Servers weicht von der dieses Computers ab.',
       'Bitten Sie den Administrator der Website, die Uhr des Servers nach einem Zeitserver zu stellen.'],
};
for (const [lang, [title, text, todo]] of Object.entries(words)) {
  const file = `${dir}/${lang}/messages.json`;
  const m = JSON.parse(fs.readFileSync(file, 'utf8'));
  m.f_clock_skew = { message: title, placeholders: { host: { content: '$1' }, minutes: { content: '$2' } } };
  m.f_clock_skew_text = { message: text };
  m.f_clock_skew_todo = { message: todo };
  fs.writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
}
JS
(cd "$scratch/tests/browser" && "$node" locales-check.mjs) || fail "the locale check refused the row with its words"
cat > "$scratch/tests/browser/show-german.mjs" <<'JS'
// The finding as the popup shows it, in German, through the untouched findings.js.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { ROOT } from './with-extension.mjs';
import { getMessageFrom, messages } from './locales.mjs';
const ctx = { browser: { i18n: { getMessage: getMessageFrom(messages('de')), getUILanguage: () => 'de' } }, console, Intl, Date };
vm.createContext(ctx);
for (const f of ['text.js', 'generated/codes.js', 'findings.js']) {
  vm.runInContext(fs.readFileSync(path.join(ROOT, 'extension', f), 'utf8'), ctx);
}
ctx.f = { code: 'clock_skew', severity: 'warning', values: { host: 'nas.example', minutes: 42 } };
const shown = vm.runInContext('describeFinding(f, { host: "nas.example" })', ctx);
const want = 'Die Uhr von \u2068nas.example\u2069 geht um \u206842\u2069 Minuten falsch';
if (shown.title !== want) { console.error(`FAIL: the German title is ${JSON.stringify(shown.title)}`); process.exit(1); }
console.log(`ok: ${shown.title}`);
JS
"$node" "$scratch/tests/browser/show-german.mjs"
echo "ok: a new code took its row, its check and its words; nothing else was edited"
