#!/usr/bin/env node
// The extension end to end for devices and stored culprits, as a user meets it (real Firefox ESR through Marionette,
// default settings, the toolbar button, the real native host):
//   - two iDRACs with one factory identity under a CA the profile trusts (the case that collides every time,
//     tests/truth/sequences.json): A loads, B is refused; the popup and the Diagnose page say what the device is and
//     when such devices collide, and the administrators' section holds `certdoctor reissue` for B and the iDRAC's
//     own upload commands;
//   - two self-signed iDRACs with one factory identity, not trusted (measured not to collide): C shows its warning,
//     D shows its own warning too, not the reused serial; the popup leads with that warning, not a twin alarm;
//   - a stored distrust entry for the intermediate (SEC_ERROR_UNTRUSTED_ISSUER): the popup names it, says Firefox
//     loads the page without it, offers its removal; after the confirmation the page loads.
// Screenshots go to artifacts/extension/.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sServer } from './servers.mjs';
import { ROOT } from './with-extension.mjs';
import { launchWithUi } from './firefox-ui.mjs';
import { messages, expectedText } from './locales.mjs';

const BUILD = process.env.CERTDOCTOR_BUILD_DIR || path.join(ROOT, 'build');
const ARTIFACTS = path.join(ROOT, 'artifacts/extension');
const en = messages('en');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-ext-devices-'));
const f = (name) => path.join(dir, name);
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const A = 'idrac-a.e2e.test', B = 'idrac-b.e2e.test', C = 'idrac-c.e2e.test', D = 'idrac-d.e2e.test', WIKI = 'wiki.e2e.test';
const FACTORY = '/O=Dell Inc./OU=Remote Access Group/CN=iDRAC default certificate';

function ca(name, subj, issuer) {
  const ext = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign'];
  if (!issuer) {
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`),
      '-days', '30', '-subj', subj, ...ext.flatMap((e) => ['-addext', e])]);
    return;
  }
  leaf(name, subj, issuer, ext.join('\n'));
}

function leaf(name, subj, issuer, ext, serial = null) {
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subj]);
  fs.writeFileSync(f(`${name}.ext`), ext + '\n');
  run('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${issuer}.pem`), '-CAkey', f(`${issuer}.key`),
    ...(serial ? ['-set_serial', serial] : ['-CAcreateserial']), '-days', '30', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)]);
}

const servers = [];
let ui = null;
try {
  ca('factory', FACTORY);
  // Self-signed factory twins: the same name as subject and issuer, serial 01, a key each. The name is the iDRAC's
  // self-signed one (with country and locality), not the CA's above: else C would be a twin of A, which Firefox holds.
  for (const [name, host] of [['c', C], ['d', D]]) {
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`),
      '-days', '30', '-set_serial', '1', '-subj', `/C=US/L=Round Rock${FACTORY}`, '-addext', `subjectAltName=DNS:${host}`]);
  }
  for (const [name, host] of [['a', A], ['b', B]]) {
    leaf(name, `/CN=${host}`, 'factory', `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth`, '0x01');
  }
  ca('corp', '/CN=Corp Root');
  ca('issuing', '/CN=Corp Issuing CA', 'corp');
  leaf('wiki', `/CN=${WIKI}`, 'issuing', `subjectAltName=DNS:${WIKI}\nextendedKeyUsage=serverAuth`);

  const profile = f('profile');
  fs.mkdirSync(profile);
  run('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
  run('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'iDRAC factory CA', '-t', 'C,,', '-i', f('factory.pem')]);
  run('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'Corp Root', '-t', 'C,,', '-i', f('corp.pem')]);
  run('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'Corp Issuing CA (distrusted)', '-t', 'p,p,p', '-i', f('issuing.pem')]);

  const serve = async (cert, key, args = []) => {
    const s = await sServer({ cert, key, args });
    assert.ok(!s.error, s.error);
    servers.push(s);
    return s;
  };
  const a = await serve(f('a.pem'), f('a.key'));
  const b = await serve(f('b.pem'), f('b.key'));
  const wiki = await serve(f('wiki.pem'), f('wiki.key'), ['-cert_chain', f('issuing.pem')]);
  const c = await serve(f('c.pem'), f('c.key'));
  const d = await serve(f('d.pem'), f('d.key'));

  // The names resolve to loopback in Firefox (its prefs) and, as for split DNS, through the host's CERTDOCTOR_RESOLVE.
  const resolve = [[A, a], [B, b], [C, c], [D, d], [WIKI, wiki]].map(([host, s]) => `${host}:${s.port}:127.0.0.1`).join(',');
  ui = await launchWithUi({ profileDir: profile, home: f('home'), build: BUILD, names: [A, B, C, D, WIKI],
    env: { CERTDOCTOR_RESOLVE: resolve },
    prefs: { 'layout.css.prefers-color-scheme.content-override': 1 } });
  const popupShot = (name) => ui.popupScreenshot(path.join(ARTIFACTS, `popup-${name}.png`));
  const pageShot = (name) => ui.s.screenshot(path.join(ARTIFACTS, `page-${name}.png`));
  const popupText = () => ui.popup(() => ({ headline: document.querySelector('.headline')?.textContent,
    text: document.querySelector('#summary').textContent, primary: document.querySelector('#primary')?.textContent || null,
    device: document.querySelector('#summary .device')?.dataset.device || null }));

  // --- Twins: A loads, B is refused; the popup says what the device is -------------------------------------------
  assert.equal(await ui.load(a.url(A)), null, 'A loads');
  assert.match(String(await ui.load(b.url(B))), /^about:neterror/, 'B is refused while A is held in memory');
  assert.equal(await ui.clickToolbarButton(), 'result');
  const p = await popupText();
  assert.equal(p.device, 'dell-idrac', 'the popup shows the device: ' + p.text);
  assert.ok(p.text.includes(expectedText(en.deviceTitle, 'Dell', 'iDRAC (server remote access controller)')), p.text);
  assert.ok(p.text.includes(en.deviceTwins.message) && p.text.includes(en.deviceFix.message), p.text);
  await popupShot('device-twins');

  await ui.popup(() => document.querySelector('#more').click());
  assert.equal((await ui.diagnosePage()).state, 'result');
  const page = await ui.s.content(() => ({ device: document.querySelector('#device:not([hidden]) .device')?.textContent || '',
    admin: [...document.querySelectorAll('#admin .device-admin pre')].map((x) => x.textContent),
    text: document.body.innerText }));
  assert.ok(page.device.includes(en.deviceTwins.message), 'the Diagnose page shows the device: ' + page.device);
  // The identity held in memory is why Firefox refused what certdoctor judges loadable: no warning of a proxy.
  assert.ok(!page.text.includes(en.f_prediction_differs_text.message.slice(0, 40)), 'no contradicting warning: ' + page.text);
  const commands = page.admin.map((x) => x.replace(/[\u2068\u2069]/g, ''));
  assert.ok(commands.includes(`certdoctor reissue '${b.url(B)}'`), 'the reissue command for B: ' + commands.join(' | '));
  assert.ok(commands.some((c) => c.startsWith(`racadm -r '${B}' -u root sslcertupload -t 1 -f './${B}.cert.pem'`)),
    'the iDRAC upload command: ' + commands.join(' | '));
  await pageShot('device-twins');
  await ui.closeOtherTabs();

  // --- Self-signed twins, not trusted: no collision, and no twin alarm -------------------------------------------
  assert.equal(await ui.load(c.url(C)), 'about:certerror', 'C shows its self-signed warning');
  assert.equal(await ui.load(d.url(D)), 'about:certerror', 'D shows its own warning, not the reused serial');
  assert.equal(await ui.clickToolbarButton(), 'result');
  const s = await ui.popup(() => ({ code: document.querySelector('#summary').dataset.code,
    text: document.querySelector('#summary').textContent, device: document.querySelector('#summary .device')?.dataset.device || null }));
  assert.equal(s.code, 'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', 'the popup leads with the warning Firefox shows: ' + s.text);
  assert.equal(s.device, 'dell-idrac', 'and names the device: ' + s.text);
  assert.ok(s.text.includes(en.deviceTwins.message), 'saying when such devices collide: ' + s.text);
  await popupShot('device-twins-self-signed');

  // --- A stored distrust entry: named, and what removing it changes; no one-click removal (docs/SECURITY.md: a
  // server chooses what it presents, so the primary button never targets a trusted or distrusted certificate) ---
  assert.match(String(await ui.load(wiki.url(WIKI))), /^about:(neterror|certerror)/, 'the distrusted intermediate makes Firefox refuse');
  assert.equal(await ui.clickToolbarButton(), 'result');
  const w = await popupText();
  assert.equal(w.headline, expectedText(en.f_stored_distrust, 'CN=Corp Issuing CA'));
  assert.ok(w.text.includes(en.afterLoads.message), 'the popup says the page loads without the entry: ' + w.text);
  assert.equal(w.primary, null, 'no primary removal for a distrust entry');
  assert.equal(w.device, null, 'no device for an ordinary site');
  await popupShot('stored-distrust');
  assert.match(run('certutil', ['-L', '-d', `sql:${profile}`]), /Corp Issuing CA/, 'the distrust entry is still stored');
  console.log('ok');
} finally {
  if (ui) await ui.close().catch(() => {});
  for (const s of servers) s.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
