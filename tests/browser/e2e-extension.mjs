#!/usr/bin/env node
// The extension end to end in real Firefox ESR, with the real native host: a server re-made its certificate with
// its old serial while the profile holds the old copy. Firefox refuses the page; the extension marks the tab;
// its Diagnose page (opened as its own page) asks the host, shows the stale copy next to the served certificate,
// removes it after confirmation; the page then loads with 200; Undo puts the copy back. Screenshots of the UI go
// to artifacts/ (look at them). Without the host installed, the page says how to install it.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFirefox, loadVerdict, closeFirefox } from './firefox.mjs';
import { staleCopyExample } from './stale-copy.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD = process.env.CERTDOCTOR_BUILD_DIR || path.join(ROOT, 'build');
const ARTIFACTS = path.join(ROOT, 'artifacts');
const EXTENSION_ID = JSON.parse(fs.readFileSync(path.join(ROOT, 'extension/manifest.json'), 'utf8'))
  .browser_specific_settings.gecko.id;
const UUID = '6c0b3f2e-8f43-4d0a-9a51-2a7d3c1e9b10';  // fixed, so the test can open the extension's page
const HOST = 'localhost';  // resolvable by Firefox and by the native host alike

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-ext-'));
const f = (name) => path.join(dir, name);
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function shot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `extension-${name}.png`), fullPage: true });
}

let server = null;
let browser = null;
try {
  server = await staleCopyExample({ dir, host: HOST, caName: 'Extension Test CA', oldNickname: 'portal (old) <b>bold</b>',
    subjectCn: '<img src=x onerror=alert(1)>localhost' });
  const { profile } = server;

  // The native host, installed for this HOME only, exactly as a user install puts it.
  const home = f('home');
  fs.mkdirSync(path.join(home, '.mozilla/native-messaging-hosts'), { recursive: true });
  fs.copyFileSync(path.join(BUILD, 'manifests/certdoctor.json'), path.join(home, '.mozilla/native-messaging-hosts/certdoctor.json'));
  // An administrator's option, per user (no policy needed): open the diagnosis by itself on an error page. The
  // test needs it: WebDriver BiDi may not navigate a tab to an extension page, but the extension may.
  fs.mkdirSync(path.join(home, '.mozilla/managed-storage'), { recursive: true });
  fs.writeFileSync(path.join(home, `.mozilla/managed-storage/${EXTENSION_ID}.json`), JSON.stringify({
    name: EXTENSION_ID, description: 'certdoctor test options', type: 'storage',
    data: { auto_diagnose: true, helpdesk_url: 'https://helpdesk.example.test/certs' } }));

  const url = server.url;

  browser = await launchFirefox({ profileDir: profile, home, names: [],
    prefs: { 'extensions.webextensions.uuids': JSON.stringify({ [EXTENSION_ID]: UUID }), 'xpinstall.signatures.required': false } });
  await browser.installExtension(path.join(ROOT, 'extension'));

  const site = await browser.newPage();
  const existing = new Set(browser.targets());
  const before = await site.goto(url).then(() => null, (e) => String(e.message));
  assert.match(before, /SEC_ERROR_REUSED_ISSUER_AND_SERIAL/, 'Firefox refuses the page');

  // The extension opens its page next to the error page (BiDi lists extension pages with a blank URL, so the
  // new tab is found as the new target, and asked for its address).
  const target = await browser.waitForTarget((t) => !existing.has(t) && t.type() === 'page', { timeout: 30000 });
  const ui = await target.page();
  await ui.waitForFunction(() => location.href.startsWith('moz-extension://'), { timeout: 30000 });
  const uiUrl = await ui.evaluate(() => location.href);
  assert.ok(uiUrl.startsWith(`moz-extension://${UUID}/diagnose.html`), uiUrl);
  assert.match(uiUrl, /code=-8054/, 'the exact code from webNavigation reaches the page');
  // The background page marked the failed load with its exact code.
  const marked = await ui.evaluate(async () => Object.values(await browser.storage.session.get()));
  assert.ok(marked.some((m) => m.code === -8054 && m.url.startsWith('https://localhost')), 'the tab is marked: ' + JSON.stringify(marked));
  // auto_diagnose: the page asks the host by itself.
  await ui.waitForSelector('#result:not([hidden])', { timeout: 30000 });
  assert.equal(await ui.$eval('#helpdesk a', (a) => a.href), 'https://helpdesk.example.test/certs');
  const verdict = await ui.$eval('#verdict', (e) => e.textContent);
  assert.match(verdict, /SEC_ERROR_REUSED_ISSUER_AND_SERIAL/);
  const codes = await ui.$$eval('.finding', (els) => els.map((e) => e.dataset.code));
  assert.equal(codes[0], 'stale_copy');
  // The stored certificate's nickname holds markup: it is shown as text, never parsed.
  const nick = await ui.$eval('.conflict h3', (e) => ({ text: e.textContent, bold: e.querySelector('b') !== null }));
  assert.equal(nick.text, 'Stored in this profile: portal (old) <b>bold</b>');
  assert.equal(nick.bold, false);
  // So is the served certificate's subject (names are matched on subjectAltName, so the CN may hold anything).
  const subject = await ui.$eval('.conflict tr:nth-child(2) td', (e) => ({ text: e.textContent, img: e.querySelector('img') !== null }));
  assert.match(subject.text, /img src.*onerror.*alert\(1\).*localhost/);  // RFC 4514 escapes <, > and =
  assert.equal(subject.img, false);
  assert.equal(await ui.$$eval('#result img', (els) => els.length), 0);
  await shot(ui, '2-diagnosis');

  await ui.click('.conflict button');
  await ui.waitForSelector('#confirm-removal');
  await shot(ui, '3-confirm');
  await ui.click('#confirm-removal');
  await ui.waitForSelector('#removal:not([hidden])', { timeout: 30000 });
  const removed = await ui.$eval('#removal-text', (e) => e.textContent);
  assert.match(removed, /The page loads now/);
  await shot(ui, '4-removed');

  const after = await loadVerdict(browser, url);
  assert.equal(after.error, null, 'the page loads after the removal: ' + after.error);
  assert.equal(after.status, 200);

  await ui.click('#undo');
  await ui.waitForFunction(() => document.querySelector('#removal-title').textContent.startsWith('Put back'), { timeout: 30000 });
  await shot(ui, '5-undone');
  assert.match(run('certutil', ['-L', '-d', `sql:${profile}`]), /portal \(old\) <b>bold<\/b>\s+,,/);

  // Without the host: the page says how to install it.
  fs.rmSync(path.join(home, '.mozilla/native-messaging-hosts/certdoctor.json'));
  await ui.click('#diagnose');
  await ui.waitForSelector('#problem:not([hidden])', { timeout: 30000 });
  const problem = await ui.$eval('#problem', (e) => e.textContent);
  assert.match(problem, /not installed/);
  await shot(ui, '6-no-host');
  console.log('ok');
} finally {
  if (browser) await closeFirefox(browser);
  if (server) server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
