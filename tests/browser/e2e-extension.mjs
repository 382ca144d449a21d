#!/usr/bin/env node
// The extension end to end as a user meets it: real Firefox ESR (headless, driven through Marionette), default
// settings, the real native host. Firefox's own toolbar button is clicked and the page and tab context menus are
// opened with the mouse, the keyboard shortcut is pressed as keys (firefox-ui.mjs). Covered, in one Firefox:
//   - the button is on the toolbar with an icon; a tab without an https site gets "certdoctor diagnoses https sites";
//   - the stale copy: the tab's mark survives the error page's load and every reload; the popup leads with the
//     words and "Remove the old copy"; one confirmation at a time, Escape cancels; after removal the page loads,
//     the popup and the page say so, Undo stays and says what it does; Undo puts the copy back;
//   - the page and tab context menus and the shortcut open the diagnosis (one Diagnose tab per site tab);
//   - an expired certificate, a device reached by IP, a missing intermediate: each in its own words;
//   - hostile names (markup, bidi overrides, zero-width characters, 300 characters) at 360 px;
//   - light and dark; auto_diagnose reuses one Diagnose tab per error tab.
// Screenshots of every state go to artifacts/extension/ (look at them).
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { staleCopyExample } from './stale-copy.mjs';
import { issue } from './pki.mjs';
import { sServer } from './servers.mjs';
import { ROOT, writeOptions } from './with-extension.mjs';
import { launchWithUi } from './firefox-ui.mjs';
import { waitFor } from './marionette.mjs';
import { messages, expectedText } from './locales.mjs';

const BUILD = process.env.CERTDOCTOR_BUILD_DIR || path.join(ROOT, 'build');
const ARTIFACTS = path.join(ROOT, 'artifacts/extension');
const en = messages('en');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-ext-'));
const f = (name) => path.join(dir, name);
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const servers = [];
let ui = null;
try {
  const stale = await staleCopyExample({ dir, host: 'localhost', caName: 'Extension Test CA',
    oldNickname: 'portal (old) <b>bold</b>', subjectCn: '<img src=x onerror=alert(1)>localhost' });
  servers.push(stale);
  const home = f('home');
  ui = await launchWithUi({ profileDir: stale.profile, home, build: BUILD,
    prefs: { 'layout.css.prefers-color-scheme.content-override': 1 } });  // light first
  const popupShot = (name) => ui.popupScreenshot(path.join(ARTIFACTS, `popup-${name}.png`));
  const pageShot = async (name) => ui.s.screenshot(path.join(ARTIFACTS, `page-${name}.png`));
  const popupText = () => ui.popup(() => ({ state: document.body.dataset.state, headline: document.querySelector('.headline')?.textContent,
    text: document.querySelector('#summary').textContent, primary: document.querySelector('#primary')?.textContent || null,
    focused: document.activeElement && (document.activeElement.id || document.activeElement.tagName),
    wide: document.documentElement.scrollWidth > document.documentElement.clientWidth ? [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .map((e) => `${e.tagName}#${e.id}.${e.className}:${Math.round(e.getBoundingClientRect().right)}/${document.documentElement.clientWidth}`) : false }));

  // --- The button: on the toolbar, with an icon; a tab with no https site ---------------------------------------
  const button = await ui.buttonState();
  assert.equal(button.area, 'nav-bar', 'the button is on the toolbar from install: ' + JSON.stringify(button));
  assert.match(button.icon, /icons\/certdoctor\.svg$/, 'the button has an icon');
  assert.equal(await ui.clickToolbarButton(), 'not-https');
  assert.equal((await popupText()).headline, en.notHttpsTitle.message);
  await popupShot('not-https');

  // --- The stale copy: the mark on the tab, across the error page's load and reloads --------------------------
  const marks = [];
  for (let i = 0; i < 6; i++) {
    const errorPage = await ui.load(stale.url);
    assert.match(String(errorPage), /^about:neterror/, 'Firefox refuses the page: ' + errorPage);
    // Marionette returns once the error page has loaded (Firefox resets the button when it commits); the extension
    // sets the mark again then: polled for a bounded time, the last state is what is judged.
    let mark = null;
    await waitFor('the mark on the tab', async () => {
      mark = await ui.buttonState();
      return mark.badge === '!' && mark.title === en.actionTitleError.message;
    }, { timeoutMs: 5000 }).catch(() => null);
    marks.push(mark);
  }
  const kept = marks.filter((m) => m.badge === '!' && m.title === en.actionTitleError.message).length;
  console.log(`mark kept after ${kept} of ${marks.length} loads of the error page`);
  assert.equal(kept, marks.length, 'badge and title stay on every load: ' + JSON.stringify(marks));

  // --- The popup: words first, the one action --------------------------------------------------------------------
  assert.equal(await ui.clickToolbarButton(), 'result');
  let p = await popupText();
  assert.equal(p.headline, en.f_stale_copy.message);
  assert.equal(p.primary, en.f_stale_copy_action.message);
  assert.equal(p.focused, 'primary', 'the primary action has the focus');
  assert.ok(!/SEC_ERROR|-8054|8054/.test(p.text), 'no error code in the popup: ' + p.text);
  assert.ok(p.text.includes('portal (old) <b>bold</b>'), 'the nickname is shown as text: ' + p.text);
  assert.equal(await ui.popup(() => document.querySelectorAll('#summary b, #summary img').length), 0);
  await popupShot('stale-copy');

  // Two clicks make one confirmation; Escape cancels and the focus returns to the action.
  await ui.popup(() => { const b = document.querySelector('#primary'); b.click(); b.click(); });
  assert.equal(await ui.popup(() => document.querySelectorAll('.confirm').length), 1, 'one confirmation');
  assert.equal(await ui.popup(() => document.activeElement.id), 'confirm-removal');
  await popupShot('stale-copy-confirm');
  await ui.popup(() => document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })));
  assert.deepEqual(await ui.popup(() => [document.querySelectorAll('.confirm').length, document.activeElement.id,
    document.querySelector('#primary').hidden]), [0, 'primary', false], 'Escape cancels');

  await ui.popup(() => document.querySelector('#primary').click());
  await ui.popup(() => document.querySelector('#confirm-removal').click());
  assert.equal(await ui.waitForPopup(true), 'removed');
  p = await popupText();
  assert.equal(p.headline, en.fixedTitle.message, 'after the removal the popup says the page loads: ' + p.text);
  assert.equal(p.primary, null, 'Remove is gone');
  assert.equal(p.focused, 'undo');
  assert.equal(await ui.popup(() => document.querySelector('#note').textContent), en.undoNote.message);
  await popupShot('stale-copy-removed');
  // The tab was reloaded and loads; its mark is cleared.
  const loaded = await waitFor('the site tab to load', () => ui.s.chrome(() => gBrowser.selectedBrowser.documentURI.spec.startsWith('https:') &&
      !gBrowser.selectedBrowser.webProgress.isLoadingDocument), { timeoutMs: 10000 }).catch(() => false);
  assert.ok(loaded, 'the site tab loads after the removal');
  assert.equal((await ui.buttonState()).badge, '', 'the mark is cleared when the page loads');
  assert.doesNotMatch(run('certutil', ['-L', '-d', `sql:${stale.profile}`]), /portal \(old\)/);

  // The popup opened again tells the same: fixed, Undo offered.
  assert.equal(await ui.clickToolbarButton(), 'removed');
  await ui.popup(() => document.querySelector('#undo').click());
  assert.equal(await ui.waitForPopup(true), 'restored');
  p = await popupText();
  assert.equal(p.headline, expectedText(en.restoredTitle, 'portal (old) <b>bold</b>'));
  assert.ok(p.text.includes(en.restoredText.message), 'Undo says Firefox keeps the new certificate until it restarts');
  await popupShot('stale-copy-undone');
  assert.match(run('certutil', ['-L', '-d', `sql:${stale.profile}`]), /portal \(old\) <b>bold<\/b>\s+,,/);

  // --- The context menus and the shortcut ------------------------------------------------------------------------
  assert.equal(await ui.contextMenuOnPage(), 'chosen', 'the page context menu has certdoctor');
  const page = await ui.diagnosePage();
  assert.equal(page.state, 'result');
  const shown = await ui.s.content(() => ({
    headline: document.querySelector('.headline').textContent, title: document.title,
    differs: [...document.querySelectorAll('.conflict tr.differs th')].map((th) => th.firstChild.textContent),
    same: [...document.querySelectorAll('.conflict tr.same th')].map((th) => th.textContent),
    codesFolded: [...document.querySelectorAll('details')].every((d) => !d.open),
    codeOutsideDetails: [...document.querySelectorAll('main > :not(details)')].some((e) => /SEC_ERROR/.test(e.textContent)),
    admin: document.querySelector('#admin').textContent }));
  assert.equal(shown.headline, en.f_stale_copy.message);
  assert.equal(shown.title, expectedText(en.pageTitle, `localhost:${stale.port}`));
  assert.deepEqual(shown.differs, [en.fieldValidFrom.message, en.fieldValidUntil.message, en.fieldSha256.message].filter((x) =>
    shown.differs.includes(x)).concat(shown.differs.includes(en.fieldSha256.message) ? [] : ['SHA-256 must differ']), JSON.stringify(shown));
  assert.ok(shown.same.includes(en.fieldSerial.message) && shown.same.includes(en.fieldIssuer.message), 'issuer and serial are the same');
  assert.ok(shown.codesFolded && !shown.codeOutsideDetails, 'error codes only under the folded details');
  assert.match(shown.admin, /certdoctor remove --profile '.*' --sha256 [0-9a-f]{64}/, 'commands for administrators in their section');
  await pageShot('stale-copy-light');
  const pages = async () => (await ui.s.send('WebDriver:GetWindowHandles')).length;
  const before = await pages();
  assert.equal(await ui.contextMenuOnTab(), 'chosen', 'the tab context menu has certdoctor');
  assert.equal((await ui.diagnosePage()).state, 'result');
  assert.equal(await pages(), before, 'the tab menu reuses the Diagnose tab of this site tab');
  const shortcut = await ui.pressShortcut();
  assert.equal(shortcut.menu, null, `${shortcut.shortcut} opens no menu of Firefox's menu bar`);
  assert.equal(shortcut.state, 'result', `the keyboard shortcut ${shortcut.shortcut}, pressed as keys, opens the popup`);
  assert.deepEqual(shortcut.key, { key: shortcut.shortcut.split('+').pop(), modifiers: 'alt,shift' });

  // Dark: the page and the popup follow Firefox's theme.
  // (The system's dark theme, as a dark desktop sets it: the popup follows the browser, pages follow too.)
  await ui.s.chrome(() => { Services.prefs.setIntPref('ui.systemUsesDarkTheme', 1);
    Services.prefs.setIntPref('layout.css.prefers-color-scheme.content-override', 2); });
  await ui.diagnosePage();
  const dark = () => ui.s.content(() => getComputedStyle(document.documentElement).backgroundColor);
  await waitFor('the page to turn dark', async () => await dark() === 'rgb(28, 27, 34)', { timeoutMs: 5000 }).catch(() => null);
  assert.equal(await dark(), 'rgb(28, 27, 34)');
  await pageShot('stale-copy-dark');
  await ui.useSiteTab();
  await ui.clickToolbarButton();
  assert.equal(await ui.popup(() => getComputedStyle(document.documentElement).backgroundColor), 'rgb(28, 27, 34)');
  await popupShot('stale-copy-dark');
  await ui.s.chrome(() => { Services.prefs.setIntPref('ui.systemUsesDarkTheme', 0);
    Services.prefs.setIntPref('layout.css.prefers-color-scheme.content-override', 1); });
  await ui.closeOtherTabs();

  // --- Other errors, each in its own words ------------------------------------------------------------------------
  const ca = { pem: f('ca.pem'), key: f('ca.key') };
  const siteExt = ['subjectAltName = DNS:localhost', 'extendedKeyUsage = serverAuth'];
  const expired = issue(dir, 'expired', ca, { subject: '/CN=localhost', ext: siteExt, fromDays: -90, toDays: -10 });
  const inter = issue(dir, 'inter', ca, { subject: '/CN=Extension Test Intermediate',
    ext: ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign'] });
  const leaf = issue(dir, 'leaf', inter, { subject: '/CN=localhost',
    ext: [...siteExt, 'authorityInfoAccess = caIssuers;URI:http://pki.example.test/inter.cer'] });
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('device.key'), '-out', f('device.pem'),
    '-days', '30', '-subj', '/CN=192.168.1.120/O=Acme Switch', '-addext', 'subjectAltName=IP:127.0.0.1']);
  for (const [name, cert, host, code, words] of [
    ['expired', expired, 'localhost', 'SEC_ERROR_EXPIRED_CERTIFICATE', /\d{4}/],
    ['device-by-ip', { pem: f('device.pem'), key: f('device.key') }, '127.0.0.1', 'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', /127\.0\.0\.1/],
    ['missing-intermediate', leaf, 'localhost', 'issuer_not_sent', /CN=Extension Test Intermediate/],
  ]) {
    const server = await sServer({ cert: cert.pem, key: cert.key });
    assert.ok(!server.error, server.error);
    servers.push(server);
    assert.match(String(await ui.load(server.url(host))), /^about:(neterror|certerror)/, name);
    const pageLabels = name === 'device-by-ip' ? await ui.errorPageLabels() : null;
    assert.equal(await ui.clickToolbarButton(), 'result', name);
    p = await popupText();
    if (pageLabels) {
      // The buttons the popup tells the user to press are those Firefox's error page shows.
      const todo = await ui.popup(() => document.querySelector('#summary .todo')?.textContent || '');
      const quoted = [...todo.replace(/[\u2066-\u2069]/g, '').matchAll(/“([^”]+)”/g)].map((m) => m[1]);
      assert.ok(quoted.length >= 2, 'the popup names the error page\'s buttons: ' + todo);
      for (const q of quoted) assert.ok(pageLabels.includes(q), `the popup says “${q}”; Firefox's error page shows ${JSON.stringify(pageLabels)}`);
    }
    assert.equal(await ui.popup(() => document.querySelector('#summary').dataset.code), code, `${name}: ${p.text}`);
    assert.ok(p.headline.length > 10 && words.test(p.text), `${name}: ${p.text}`);
    assert.ok(!/SEC_ERROR|MOZILLA_PKIX|-\d{4,5}/.test(p.text), `${name}: no codes or numbers: ${p.text}`);
    await popupShot(name);
    await ui.popup(() => document.querySelector('#more').click());
    assert.equal((await ui.diagnosePage()).state, 'result');
    await pageShot(name);
    await ui.closeOtherTabs();
    server.stop();
  }

  // --- A device re-made its own certificate with serial 01 (reached by IP): after the removal Firefox shows its
  // ordinary warning for a self-signed certificate, and the popup says so rather than "fixed".
  for (const name of ['device-old', 'device-new']) {
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`),
      '-days', '30', '-set_serial', '1', '-subj', '/O=Acme Switch/CN=switch-factory', '-addext', 'subjectAltName=IP:127.0.0.1']);
  }
  run('certutil', ['-A', '-d', `sql:${stale.profile}`, '-n', 'switch (last year)', '-t', ',,', '-i', f('device-old.pem')]);
  const device = await sServer({ cert: f('device-new.pem'), key: f('device-new.key') });
  assert.ok(!device.error, device.error);
  servers.push(device);
  assert.match(String(await ui.load(device.url('127.0.0.1'))), /^about:neterror/);
  assert.equal(await ui.clickToolbarButton(), 'result');
  p = await popupText();
  assert.ok(p.primary, 'a removal is offered for the device: ' + p.text);
  await popupShot('device-reused-serial');
  await ui.popup(() => document.querySelector('#primary').click());
  await ui.popup(() => document.querySelector('#confirm-removal').click());
  assert.equal(await ui.waitForPopup(true), 'removed');
  p = await popupText();
  assert.equal(p.headline, en.fixedWarningTitle.message, 'after the removal: the ordinary warning: ' + p.text);
  assert.equal(p.primary, null);
  await popupShot('device-removed-warning');
  device.stop();

  // --- Hostile names at 360 px --------------------------------------------------------------------------------------
  const rlo = '\u202e', zw = '\u200b';
  const hostileNick = `portal ${rlo}dlo${'\u202c'} <script>x</script>${zw}` + 'N'.repeat(260) + ' שלום مرحبا';
  const hostileDir = f('hostile');
  fs.mkdirSync(hostileDir);
  const hostile = await staleCopyExample({ dir: hostileDir, host: 'localhost', caName: 'Hostile CA', oldNickname: hostileNick,
    subjectCn: `${rlo}moc.evil${zw}` + 'x'.repeat(40) });
  servers.push(hostile);
  // Into the running Firefox's profile (it sees the change at its next lookup): the CA and the old copy.
  run('certutil', ['-A', '-d', `sql:${stale.profile}`, '-n', 'Hostile CA', '-t', 'C,,', '-i', path.join(hostileDir, 'ca.pem')]);
  run('certutil', ['-A', '-d', `sql:${stale.profile}`, '-n', hostileNick, '-t', ',,', '-i', hostile.oldPem]);
  assert.match(String(await ui.load(hostile.url)), /^about:neterror/);
  assert.equal(await ui.clickToolbarButton(), 'result');
  p = await popupText();
  assert.ok(p.text.includes('⟨U+202E⟩dlo⟨U+202C⟩') && p.text.includes('⟨U+200B⟩'), 'format characters are made visible: ' + p.text);
  assert.ok(!p.text.includes(rlo) && !p.text.includes(zw), 'none of them is left to act');
  assert.equal(p.wide, false, 'the popup does not scroll sideways: ' + JSON.stringify(p.wide));
  await popupShot('hostile');
  await ui.popup(() => document.querySelector('#primary').click());
  const gap = await ui.popup(() => {
    const [a, b] = [...document.querySelectorAll('.confirm button')].map((x) => x.getBoundingClientRect());
    return Math.max(b.left - a.right, b.top - a.bottom);
  });
  assert.ok(gap >= 8, `Confirm and Cancel are apart (${gap} px)`);
  await popupShot('hostile-confirm');
  await ui.popup(() => document.querySelector('#confirm-cancel').click());
  await ui.popup(() => document.querySelector('#more').click());
  await ui.diagnosePage();
  // 360 CSS pixels wide: headless Firefox keeps windows at least 500 px wide, so the page is zoomed to 500/360.
  await ui.s.chrome(() => { gBrowser.selectedBrowser.fullZoom = window.innerWidth / 360; });
  await waitFor('the zoomed layout', () => ui.s.content(() => Math.abs(document.documentElement.clientWidth - 360) <= 20), { timeoutMs: 5000 })
    .catch(() => null);  // judged below
  await ui.s.content(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
  const layout = await ui.s.content(() => ({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth,
    text: document.body.textContent }));
  assert.ok(Math.abs(layout.width - 360) <= 20, `the page is laid out about 360 px wide (${layout.width})`);
  assert.ok(layout.scroll <= layout.width, `no horizontal scrolling at 360 px: ${layout.scroll} > ${layout.width}`);
  assert.ok(layout.text.includes('⟨U+202E⟩moc.evil⟨U+200B⟩'), 'the subject is shown with its overrides visible: ' + layout.text.slice(Math.max(0, layout.text.indexOf('moc.evil') - 40), layout.text.indexOf('moc.evil') + 40));
  assert.ok(!layout.text.includes(rlo), 'no live override on the page');
  const names = await ui.s.content((label) => [...document.querySelectorAll('#details-body th')]
    .filter((th) => th.textContent === label).map((th) => th.nextElementSibling.textContent), en.fieldNames.message);
  assert.deepEqual(names, ['\u2068localhost\u2069'], 'the served names are listed under Technical details');
  await pageShot('hostile-360');
  await ui.s.chrome(() => { gBrowser.selectedBrowser.fullZoom = 1; });
  await ui.closeOtherTabs();

  // --- auto_diagnose (an administrator's option): one Diagnose tab per error tab, however often it reloads --------
  // Firefox reads managed storage once per start of the extension: it is installed again to read the new options.
  writeOptions(home, { auto_diagnose: true });
  await ui.reinstall();
  const tabsBefore = await pages();
  for (let i = 0; i < 4; i++) await ui.load(hostile.url);
  await ui.diagnosePage();
  assert.equal(await pages(), tabsBefore + 1, 'four reloads, one Diagnose tab');
  console.log('ok');
} finally {
  if (ui) await ui.close();
  for (const s of servers) s.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
