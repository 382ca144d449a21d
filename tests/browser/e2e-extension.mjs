#!/usr/bin/env node
// The extension end to end in real Firefox ESR, with the real native host: a server re-made its certificate with
// its old serial while the profile holds the old copy. Firefox refuses the page; the extension marks the tab;
// its Diagnose page (opened as its own page) asks the host, shows the stale copy next to the served certificate,
// removes it after confirmation; the page then loads with 200; Undo puts the copy back. Screenshots of the UI go
// to artifacts/ (look at them). An expired certificate and a missing intermediate get their own explanations; the
// page reads Firefox's proxy setting; without the host installed, it says how to install it.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadVerdict, closeFirefox } from './firefox.mjs';
import { staleCopyExample } from './stale-copy.mjs';
import { issue } from './pki.mjs';
import { sServer } from './servers.mjs';
import { ROOT, UUID, launchWithExtension, errorPageDiagnosis, hostManifestPath } from './with-extension.mjs';

const BUILD = process.env.CERTDOCTOR_BUILD_DIR || path.join(ROOT, 'build');
const ARTIFACTS = path.join(ROOT, 'artifacts');
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

  const url = server.url;
  // The native host installed for this HOME only, as a user install puts it; the administrator's options per
  // user. A manual HTTPS proxy in Firefox (nothing listens there: loopback sites bypass it, as Firefox does).
  const home = f('home');
  browser = await launchWithExtension({ profileDir: profile, home, build: BUILD,
    options: { auto_diagnose: true, helpdesk_url: 'https://helpdesk.example.test/certs', hide_details: true },
    prefs: { 'network.proxy.type': 1, 'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': 3129,
      'network.proxy.no_proxies_on': '.corp.example.test',
      // Pages in the dark theme here (the policy test's screenshot shows the light one).
      'layout.css.prefers-color-scheme.content-override': 0 } });
  const site = await browser.newPage();
  const errorPage = (pageUrl, expected) => errorPageDiagnosis(browser, site, pageUrl, expected);

  const ui = await errorPage(url, 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL');
  const uiUrl = await ui.evaluate(() => location.href);
  assert.ok(uiUrl.startsWith(`moz-extension://${UUID}/diagnose.html`), uiUrl);
  assert.match(uiUrl, /code=-8054/, 'the exact code from webNavigation reaches the page');
  // The background page marked the failed load with its exact code.
  const marked = await ui.evaluate(async () => Object.values(await browser.storage.session.get()));
  assert.ok(marked.some((m) => m.code === -8054 && m.url.startsWith('https://localhost')), 'the tab is marked: ' + JSON.stringify(marked));
  // auto_diagnose: the page asked the host by itself.
  assert.equal(await ui.$eval('#helpdesk a', (a) => a.href), 'https://helpdesk.example.test/certs');
  assert.equal(await ui.$eval('#details', (e) => e.hidden), true, 'hide_details keeps the technical details away');
  // Dark theme: dark page, light text, and button text that stands out from the button.
  const colors = await ui.evaluate(() => {
    const css = (e, p) => getComputedStyle(e)[p];
    const b = document.querySelector('#diagnose');
    return { page: css(document.documentElement, 'backgroundColor'), text: css(document.body, 'color'),
      button: css(b, 'backgroundColor'), label: css(b, 'color') };
  });
  assert.deepEqual(colors, { page: 'rgb(28, 27, 34)', text: 'rgb(251, 251, 254)', button: 'rgb(0, 221, 255)',
    label: 'rgb(21, 20, 26)' }, JSON.stringify(colors));
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

  // Firefox's proxy setting, as the page reads it: the proxy for other sites, none for loopback or the bypass list.
  const proxies = await ui.evaluate(async () => [await firefoxProxy('https://idrac.lab.example.test/'),
    await firefoxProxy('https://localhost:8443/'), await firefoxProxy('https://sw1.corp.example.test/')]);
  assert.deepEqual(proxies, [{ proxy: 'http://127.0.0.1:3129' }, {}, {}]);
  // The context menu item exists (updating a missing item fails).
  await ui.evaluate(() => browser.menus.update('certdoctor-diagnose', {}));

  // An expired certificate and a missing intermediate, under the CA the profile trusts.
  const ca = { pem: f('ca.pem'), key: f('ca.key') };
  const siteExt = ['subjectAltName = DNS:localhost', 'extendedKeyUsage = serverAuth'];
  const expired = issue(dir, 'expired', ca, { subject: '/CN=localhost', ext: siteExt, fromDays: -90, toDays: -10 });
  const inter = issue(dir, 'inter', ca, { subject: '/CN=Extension Test Intermediate',
    ext: ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign'] });
  const leaf = issue(dir, 'leaf', inter, { subject: '/CN=localhost',
    ext: [...siteExt, 'authorityInfoAccess = caIssuers;URI:http://pki.example.test/inter.cer'] });
  for (const [name, cert, error, finding, words] of [
    ['expired', expired, 'SEC_ERROR_EXPIRED_CERTIFICATE', 'SEC_ERROR_EXPIRED_CERTIFICATE', /expired on \d{4}-\d\d-\d\d/],
    ['missing-intermediate', leaf, 'SEC_ERROR_UNKNOWN_ISSUER', 'issuer_not_sent', /Nobody supplies the issuer CN=Extension Test Intermediate.*send it after its own certificate/],
  ]) {
    const server = await sServer({ cert: cert.pem, key: cert.key });
    assert.ok(!server.error, server.error);
    try {
      const page = await errorPage(server.url('localhost'), error);
      assert.equal(await page.$eval('#verdict', (e) => e.dataset.firefoxError), error);
      const shown = await page.$$eval('.finding', (els) => els.map((e) => ({ code: e.dataset.code, text: e.textContent })));
      const explained = shown.find((x) => x.code === finding);
      assert.ok(explained && words.test(explained.text), `${name}: ${JSON.stringify(shown).slice(0, 600)}`);
      assert.ok(explained.text.includes('How to fix it'), `${name}: the fix is shown`);
      await shot(page, `7-${name}`);
      await page.close();
    } finally {
      server.stop();
    }
  }

  // A site the host cannot reach (nothing listens on port 1): a plain message, not an empty diagnosis. The page
  // navigates itself (BiDi may not send a tab to an extension page).
  await ui.evaluate(() => { location.href = 'diagnose.html?url=' + encodeURIComponent('https://localhost:1/') + '&auto=1'; });
  await ui.waitForSelector('#problem:not([hidden])', { timeout: 30000 });
  const unreachable = await ui.$eval('#problem', (e) => e.textContent);
  assert.match(unreachable, /could not reach this site from this computer: \S+ refused the connection on port 1/);
  assert.equal(await ui.$eval('#result', (e) => e.hidden), true);
  await shot(ui, '8-unreachable');

  // Without the host: the page says how to install it.
  fs.rmSync(hostManifestPath(home));
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
