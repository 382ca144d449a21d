#!/usr/bin/env node
// Enterprise policy in real Firefox ESR: a distribution/policies.json made by `certdoctor policy` force-installs the
// unsigned certdoctor.xpi (ESR honours xpinstall.signatures.required=false) and sets managed options: report-only,
// automatic diagnosis, a help-desk link. The extension then diagnoses a reused-serial error page by itself and
// offers no removal. The native host is installed with tools/install.sh for the test's HOME; `certdoctor doctor`
// must see both the host and the policy.
//
// It writes Firefox's system folder (the testing pref for another policy path is ignored by release builds), so
// CTest runs it alone; whatever policies.json was there is put back. Without write access it is skipped (77).
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeFirefox, launchFirefox } from './firefox.mjs';
import { staleCopyExample } from './stale-copy.mjs';
import { systemPolicies } from './system-policies.mjs';
import { ROOT, UUID, EXTENSION_ID, errorPageDiagnosis } from './with-extension.mjs';

const BUILD = process.env.CERTDOCTOR_BUILD_DIR || path.join(ROOT, 'build');
const CERTDOCTOR = path.join(BUILD, 'bin/certdoctor');
const policies = systemPolicies();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-policy-'));
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
let server = null, browser = null;
try {
  server = await staleCopyExample({ dir, host: 'localhost', caName: 'Policy Test CA', oldNickname: 'portal (old)' });
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  run(path.join(ROOT, 'tools/install.sh'), ['--user', '--home', home, '--host', path.join(BUILD, 'bin/certdoctor-host'),
    '--build', BUILD]);
  policies.write(run(CERTDOCTOR, ['policy', '--install-url', 'file://' + path.join(BUILD, 'certdoctor.xpi'),
    '--report-only', '--auto-diagnose', '--helpdesk-url', 'https://helpdesk.example.test/pki']));

  browser = await launchFirefox({ profileDir: server.profile, home,
    prefs: { 'xpinstall.signatures.required': false, 'extensions.webextensions.uuids': JSON.stringify({ [EXTENSION_ID]: UUID }) } });
  // The policy installs the extension while Firefox starts: wait until the profile lists it as active.
  const listed = path.join(server.profile, 'extensions.json');
  let active = false;
  for (let i = 0; i < 300 && !active; i++) {
    try {
      active = JSON.parse(fs.readFileSync(listed, 'utf8')).addons.some((a) => a.id === EXTENSION_ID && a.active);
    } catch { /* not written yet */ }
    if (!active) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(active, 'the policy installed and enabled the extension');
  const addon = JSON.parse(fs.readFileSync(listed, 'utf8')).addons.find((a) => a.id === EXTENSION_ID);
  console.log(`installed by policy from ${addon.sourceURI || addon.location}`);

  // auto_diagnose comes from the policy (nothing per user): the diagnosis opens by itself.
  const tab = await browser.newPage();
  const ui = await errorPageDiagnosis(browser, tab, server.url, 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL');
  const options = await ui.evaluate(async () => (await browser.runtime.sendMessage({ cmd: 'state', tabId: -1, url: '' })).options);
  assert.deepEqual(options, { auto_diagnose: true, report_only: true, hide_details: false,
    helpdesk_url: 'https://helpdesk.example.test/pki' }, 'the managed options arrive from the policy');
  assert.equal(await ui.$$eval('.conflict', (els) => els.length), 1, 'the stale copy is still shown');
  assert.equal(await ui.$$eval('#primary, .conflict button', (els) => els.length), 0, 'report-only: no removal offered');
  const stale = await ui.$eval('main', (e) => e.textContent);
  assert.ok(!stale.includes('certdoctor remove') && stale.includes('removes stored certificates'),
    'report-only: the fix leaves the removal to IT: ' + stale);
  assert.equal(await ui.$eval('#helpdesk a', (a) => a.href), 'https://helpdesk.example.test/pki');
  fs.mkdirSync(path.join(ROOT, 'artifacts'), { recursive: true });
  await ui.screenshot({ path: path.join(ROOT, 'artifacts/policy-report-only.png'), fullPage: true });

  // doctor sees what Firefox saw: the user's host manifest and the force-installing policy.
  const report = JSON.parse(execFileSync(CERTDOCTOR, ['doctor', '--home', home, '--json'], { encoding: 'utf8' }));
  const failed = report.checks.filter((c) => !c.ok);
  assert.deepEqual(failed, [], 'doctor: ' + JSON.stringify(report.checks));
  assert.ok(report.checks.some((c) => c.check === 'policy' && c.detail.includes('force_installed')));
  console.log('ok: force-installed by policy, report-only honoured, doctor agrees');
} finally {
  if (browser) await closeFirefox(browser);
  if (server) server.stop();
  policies.restore();
  fs.rmSync(dir, { recursive: true, force: true });
}
