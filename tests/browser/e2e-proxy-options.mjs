#!/usr/bin/env node
// Firefox's proxy setting reaches the native host, and the administrator's hide_details hides what it says, end to
// end: real Firefox ESR (through Marionette) with the extension and the real host, a real HTTP CONNECT proxy
// (tinyproxy) on loopback, the stale copy's site served under this machine's own name (not a loopback name or
// address, so neither Firefox nor extension/proxy.js sends it directly).
//   - a manual HTTPS proxy in Firefox's settings: Firefox's own load and the host's fetch both go through tinyproxy
//     (its log counts a CONNECT for the site on every "Check again"), and the Diagnose page says which proxy;
//   - the site in "No proxy for": the host connects directly (no new CONNECT), no proxy named;
//   - a SOCKS proxy only: the page says certdoctor cannot use it and connected directly;
//   - hide_details (set as an administrator sets it, in managed storage): the page keeps the diagnosis and the
//     action, and shows neither the technical details nor the administrators' commands.
// Screenshots go to artifacts/extension/ (look at them).
import assert from 'node:assert/strict';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, writeOptions } from './with-extension.mjs';
import { launchWithUi } from './firefox-ui.mjs';
import { waitFor } from './marionette.mjs';
import { messages, expectedText } from './locales.mjs';
import { staleCopyExample } from './stale-copy.mjs';
import { tinyproxy } from './servers.mjs';

const BUILD = process.env.CERTDOCTOR_BUILD_DIR || path.join(ROOT, 'build');
const ARTIFACTS = path.join(ROOT, 'artifacts/extension');
const en = messages('en');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-proxy-'));
let stale = null, proxy = null, ui = null;
try {
  // This machine's name: Firefox and proxy.js send it through the proxy (it is neither "localhost" nor an address in
  // 127/8), and tinyproxy resolves it, as Debian's /etc/hosts has it, to a loopback address, where the site listens.
  const host = os.hostname().toLowerCase();
  const { address } = await dns.lookup(host, { family: 4 });
  assert.match(address, /^127\./, `this test serves the site under the machine's name ${host}, which must resolve to loopback (it is ${address})`);
  stale = await staleCopyExample({ dir, host, caName: 'Proxy Test CA', oldNickname: 'portal (old)', address });
  const target = `${host}:${stale.port}`;
  proxy = await tinyproxy(dir);
  const home = path.join(dir, 'home');

  ui = await launchWithUi({ profileDir: stale.profile, home, build: BUILD, prefs: {
    'network.proxy.type': 1, 'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': proxy.port,
    'network.proxy.share_proxy_settings': false, 'network.proxy.no_proxies_on': '.corp.example.test' } });

  // Firefox itself reaches the site through the proxy and refuses it.
  assert.match(String(await ui.load(stale.url)), /^about:neterror/, 'Firefox refuses the stale copy\'s site');
  assert.ok(proxy.connects(target) >= 1, 'Firefox went through tinyproxy:\n' + proxy.log());
  const first = await ui.clickToolbarButton();
  const said = await ui.popup(() => ({ code: document.querySelector('#summary').dataset.code, text: document.body.textContent }));
  assert.equal(first, 'result', JSON.stringify(said) + '\n' + proxy.log());
  assert.equal(said.code, 'stale_copy', said.text);
  await ui.popup(() => document.querySelector('#more').click());
  await ui.diagnosePage();

  // "Check again" asks the host once more; what the page then says, and how many CONNECTs tinyproxy saw for it.
  const checkAgain = async () => {
    const before = proxy.connects(target);
    await ui.s.content(() => document.querySelector('#check').click());  // the page shows 'checking' at once
    const state = (await ui.diagnosePage()).state;
    assert.equal(state, 'result', await ui.s.content(() => document.querySelector('main')?.textContent || document.body.textContent));
    const shown = await ui.s.content(() => {
      for (const d of document.querySelectorAll('details')) d.open = true;
      return { code: document.querySelector('#summary').dataset.code, details: document.querySelector('#details').hidden ? null :
        [...document.querySelectorAll('#details-body p')].map((p) => p.textContent) };
    });
    return { ...shown, connects: proxy.connects(target) - before };
  };
  const through = expectedText(en.proxyLine, proxy.url);

  // A manual HTTPS proxy: the host's fetch goes through it.
  let seen = await checkAgain();
  assert.equal(seen.code, 'stale_copy', JSON.stringify(seen));
  assert.equal(seen.connects, 1, 'the host connected through tinyproxy once: ' + JSON.stringify(seen) + '\n' + proxy.log());
  assert.ok(seen.details.includes(through), `the page names the proxy (${through}): ${JSON.stringify(seen.details)}`);
  await ui.s.screenshot(path.join(ARTIFACTS, 'page-proxy.png'));

  // The site in Firefox's "No proxy for" list: the host connects directly.
  await ui.s.chrome((h) => Services.prefs.setStringPref('network.proxy.no_proxies_on', `.corp.example.test, ${h}`), host);
  seen = await checkAgain();
  assert.equal(seen.code, 'stale_copy', JSON.stringify(seen));
  assert.equal(seen.connects, 0, 'no CONNECT for a site Firefox sends directly: ' + JSON.stringify(seen));
  assert.ok(!seen.details.some((l) => l.includes(proxy.url)), 'no proxy named: ' + JSON.stringify(seen.details));

  // Only a SOCKS proxy: certdoctor says it cannot use it, and connects directly.
  await ui.s.chrome((port) => {
    Services.prefs.setStringPref('network.proxy.no_proxies_on', '');
    Services.prefs.setStringPref('network.proxy.ssl', '');
    Services.prefs.setStringPref('network.proxy.socks', '127.0.0.1');
    Services.prefs.setIntPref('network.proxy.socks_port', port);
  }, proxy.port);
  seen = await checkAgain();
  assert.equal(seen.connects, 0, 'nothing through tinyproxy: ' + JSON.stringify(seen));
  assert.ok(seen.details.includes(en.proxyUnsupported.message.replace('$TYPE$', 'SOCKS')), 'the SOCKS proxy is named as not usable: ' + JSON.stringify(seen.details));
  await ui.s.screenshot(path.join(ARTIFACTS, 'page-proxy-socks.png'));
  await ui.s.chrome((port) => {
    Services.prefs.setStringPref('network.proxy.socks', '');
    Services.prefs.setStringPref('network.proxy.ssl', '127.0.0.1');
    Services.prefs.setIntPref('network.proxy.ssl_port', port);
  }, proxy.port);
  await ui.closeOtherTabs();

  // --- hide_details, as an administrator sets it (managed storage; the extension reads it when it starts) ----------
  assert.equal(await ui.clickToolbarButton(), 'result');
  await ui.popup(() => document.querySelector('#more').click());
  await ui.diagnosePage();
  const full = await ui.s.content(() => ({ details: !document.querySelector('#details').hidden, admin: !document.querySelector('#admin').hidden }));
  assert.deepEqual(full, { details: true, admin: true }, 'without hide_details the page has both sections');
  await ui.closeOtherTabs();
  writeOptions(home, { hide_details: true });
  await ui.reinstall();
  assert.equal(await ui.load(stale.url).then((e) => /^about:neterror/.test(String(e))), true);
  assert.equal(await ui.clickToolbarButton(), 'result');
  const popup = await ui.popup(() => ({ code: document.querySelector('#summary').dataset.code, primary: document.querySelector('#primary')?.textContent || null }));
  assert.deepEqual(popup, { code: 'stale_copy', primary: en.f_stale_copy_action.message }, 'the popup still diagnoses and offers the removal');
  await ui.popup(() => document.querySelector('#more').click());
  assert.equal((await ui.diagnosePage()).state, 'result');
  const hidden = await ui.s.content(() => {
    const shown = (id) => { const e = document.getElementById(id); return !!e && !e.hidden && e.getClientRects().length > 0; };
    return { code: document.querySelector('#summary').dataset.code, details: shown('details'), admin: shown('admin'),
      headline: document.querySelector('.headline').textContent, text: document.body.innerText };
  });
  assert.equal(hidden.code, 'stale_copy');
  assert.equal(hidden.headline, en.f_stale_copy.message, 'the diagnosis stays');
  assert.equal(hidden.details, false, 'hide_details hides the technical details');
  assert.equal(hidden.admin, false, 'hide_details hides the administrators\' commands');
  // (The side-by-side comparison of the two certificates is the explanation itself and stays.)
  assert.doesNotMatch(hidden.text, /SEC_ERROR|certdoctor remove|certdoctor diagnose|certdoctor undo/,
    'no error codes or commands on the page: ' + hidden.text);
  await ui.s.screenshot(path.join(ARTIFACTS, 'page-hide-details.png'));
  console.log(`ok: the host went through tinyproxy (${proxy.connects(target)} CONNECTs for ${target} in all), directly for "No proxy for", SOCKS named; hide_details hid details and commands`);
} finally {
  if (ui) await ui.close();
  if (stale) stale.stop();
  if (proxy) proxy.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
