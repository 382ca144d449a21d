#!/usr/bin/env node
// Every way certdoctor's helper can fail, as a user meets it: real Firefox ESR (Marionette), default settings,
// the toolbar button pressed on a real error page. The helper's manifest is changed between cases (Firefox reads
// it at every connection): not installed, naming another extension, unreadable, its program missing, a program
// that exits, crashes, answers garbage, serves another extension id (the real host told another caller), hangs
// (Cancel). Then the real host on a plain-HTTP port, and with a profile it cannot use. Each state says what to do,
// with no raw numbers; screenshots go to artifacts/extension/ (look at them).
import http from 'node:http';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { staleCopyExample } from './stale-copy.mjs';
import { ROOT, EXTENSION_ID, hostManifestPath } from './with-extension.mjs';
import { launchWithUi } from './firefox-ui.mjs';
import { messages } from './locales.mjs';

const BUILD = process.env.CERTDOCTOR_BUILD_DIR || path.join(ROOT, 'build');
const HOST_BINARY = path.join(BUILD, 'bin/certdoctor-host');
const ARTIFACTS = path.join(ROOT, 'artifacts/extension');
const en = messages('en');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-ext-fail-'));
const f = (name) => path.join(dir, name);

function script(name, body) {
  fs.writeFileSync(f(name), '#!/bin/sh\n' + body + '\n', { mode: 0o755 });
  return f(name);
}
const manifest = (program, id = EXTENSION_ID) => JSON.stringify({ name: 'certdoctor', description: 'certdoctor test',
  path: program, type: 'stdio', allowed_extensions: [id] });

let ui = null, stale = null, plain = null;
try {
  stale = await staleCopyExample({ dir, host: 'localhost', caName: 'Failure Test CA', oldNickname: 'portal (old)' });
  const home = f('home');
  // The host is told to use a profile folder that does not exist: the last case shows what the user then sees.
  ui = await launchWithUi({ profileDir: stale.profile, home, build: BUILD, env: { CERTDOCTOR_PROFILE: f('no-such-profile') },
    prefs: { 'layout.css.prefers-color-scheme.content-override': 1 } });
  const manifestFile = hostManifestPath(home);
  const setManifest = (content) => content === null ? fs.rmSync(manifestFile, { force: true }) : fs.writeFileSync(manifestFile, content);

  const cases = [
    ['not-installed', null, 'not_installed'],
    ['manifest-other-extension', manifest(HOST_BINARY, 'someone-else@example.test'), 'not_installed'],
    ['manifest-unreadable', '{"name": "certdoctor", "path": ', 'not_installed'],
    ['program-missing', manifest(f('deleted-certdoctor-host')), 'host_not_started'],
    ['program-exits', manifest(script('exits.sh', 'echo "certdoctor-host: libnss3.so: cannot open shared object file" >&2; exit 127')), 'host_exited'],
    ['program-crashes', manifest(script('crashes.sh', 'kill -SEGV $$')), 'host_exited'],
    ['program-garbage', manifest(script('garbage.sh', 'echo "hello, I am not certdoctor"; sleep 1')), 'garbage'],
    ['host-for-another-extension', manifest(script('other-id.sh', `exec ${HOST_BINARY} "$1" someone-else@example.test`)), 'wrong_extension'],
  ];
  for (const [name, content, code] of cases) {
    setManifest(content);
    assert.match(String(await ui.load(stale.url)), /^about:neterror/, name);
    assert.equal(await ui.clickToolbarButton(), 'problem', name);
    const shown = await ui.popup(() => ({ code: document.querySelector('#summary').dataset.code,
      headline: document.querySelector('.headline').textContent, text: document.querySelector('main').textContent,
      focused: document.activeElement.id }));
    assert.equal(shown.code, code, `${name}: ${shown.text}`);
    assert.equal(shown.headline, en[`problem_${code}`].message, name);
    assert.ok(shown.text.includes(en[`problem_${code}_text`].message), name);
    assert.doesNotMatch(shown.text, /\d{4,}|Error code|unexpected error/, `${name}: no raw numbers or messages: ${shown.text}`);
    assert.equal(shown.focused, 'again', `${name}: the focus is on Check again`);
    await ui.popupScreenshot(path.join(ARTIFACTS, `popup-failure-${name}.png`));
  }
  // The crash's console hint: its messages are in the Browser Console.
  assert.match(en.problem_host_exited_text.message, /Browser Console/);

  // A hung host: Cancel ends it; the page's Check again is disabled while waiting.
  setManifest(manifest(script('hangs.sh', 'sleep 300')));
  assert.match(String(await ui.load(stale.url)), /^about:neterror/);
  assert.equal(await ui.clickToolbarButton({ settled: false }), 'checking');
  assert.equal(await ui.popup(() => document.activeElement.id), 'cancel', 'Cancel has the focus while waiting');
  await ui.popupScreenshot(path.join(ARTIFACTS, 'popup-failure-host-hangs.png'));
  await ui.popup(() => document.querySelector('#more').click());
  const page = await ui.diagnosePage({ settled: false });
  assert.equal(page.state, 'checking');
  assert.deepEqual(await ui.s.content(() => [document.querySelector('#check').disabled, !!document.querySelector('#cancel')]),
    [true, true], 'Check again is disabled and Cancel offered while waiting');
  await ui.s.screenshot(path.join(ARTIFACTS, 'page-failure-host-hangs.png'));
  await ui.s.content(() => document.querySelector('#cancel').click());
  assert.equal((await ui.diagnosePage()).state, 'problem');
  assert.deepEqual(await ui.s.content(() => [document.querySelector('#summary').dataset.code, document.activeElement.id,
    document.querySelector('#check').disabled]), ['cancelled', 'check', false]);
  await ui.s.screenshot(path.join(ARTIFACTS, 'page-failure-cancelled.png'));
  await ui.closeOtherTabs();

  // The real host from here on.
  setManifest(manifest(HOST_BINARY));
  // Plain HTTP on an https port: the site was reached, so the advice is http:// or another port, not a proxy.
  plain = http.createServer((req, res) => res.end('plain http\n'));
  await new Promise((r) => plain.listen(0, '127.0.0.1', r));  // a port the system picks: nothing can take it first
  const { port } = plain.address();
  assert.match(String(await ui.load(`https://localhost:${port}/`)), /^about:neterror/);
  assert.equal(await ui.clickToolbarButton(), 'result');
  const notTls = await ui.popup(() => ({ code: document.querySelector('#summary').dataset.code, text: document.body.textContent }));
  assert.equal(notTls.code, 'not_tls', notTls.text);
  assert.ok(notTls.text.includes(`http://localhost:${port}/`) && !/proxy|VPN/i.test(notTls.text), notTls.text);
  await ui.popupScreenshot(path.join(ARTIFACTS, 'popup-failure-plain-http.png'));

  // The profile the host was told to use does not exist: that comes first, not a verdict it could not check.
  assert.match(String(await ui.load(stale.url)), /^about:neterror/);
  assert.equal(await ui.clickToolbarButton(), 'result');
  const profile = await ui.popup(() => ({ code: document.querySelector('#summary').dataset.code, text: document.body.textContent }));
  assert.equal(profile.code, 'profile_unusable', profile.text);
  assert.ok(profile.text.includes('certdoctor profiles'), profile.text);
  await ui.popupScreenshot(path.join(ARTIFACTS, 'popup-failure-profile.png'));
  await ui.popup(() => document.querySelector('#more').click());
  await ui.diagnosePage();
  await ui.s.screenshot(path.join(ARTIFACTS, 'page-failure-profile.png'));
  console.log('ok');
} finally {
  if (ui) await ui.close();
  if (stale) stale.stop();
  if (plain) plain.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
