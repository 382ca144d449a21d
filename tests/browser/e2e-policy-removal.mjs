#!/usr/bin/env node
// Removal by policy in real Firefox ESR: a distribution/policies.json made by `certdoctor policy
// --remove-certificates` force-installs the extension and lists three certificates: the stale copy that makes a site
// fail with SEC_ERROR_REUSED_ISSUER_AND_SERIAL (named by its issuer and serial, DER in base64 and hex), the profile's
// trusted CA (by SHA-256, without allow_trusted) and one the profile does not hold. The profile's cert9.db is written
// through Firefox's own NSS (tests/support/firefox_certdb). When the extension starts it asks the host; the stale
// copy goes (backup, journal), the CA stays, the outcomes arrive as JSON at a loopback HTTP server and in the
// profile's certdoctor-backups/policy.jsonl, the page then loads, and undo puts the copy back. (The options page that
// lists the outcomes is not opened: WebDriver BiDi may not navigate to an extension page.)
//
// It writes Firefox's system policies.json (system-policies.mjs): CTest runs it alone, the file is put back, and
// without write access it is skipped (77).
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { closeFirefox, launchFirefox, loadVerdict } from './firefox.mjs';
import { makeCa, issueSerialOne } from './pki.mjs';
import { sServer } from './servers.mjs';
import { systemPolicies } from './system-policies.mjs';
import { ROOT, UUID, EXTENSION_ID } from './with-extension.mjs';

const BUILD = process.env.CERTDOCTOR_BUILD_DIR || path.join(ROOT, 'build');
const CERTDOCTOR = path.join(BUILD, 'bin/certdoctor');
const FIREFOX_CERTDB = path.join(BUILD, 'bin/firefox-certdb');
const policies = systemPolicies();

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// One DER element at `at`: where its content starts and where it ends.
function element(der, at) {
  let length = der[at + 1], start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[at + 2 + i];
    start += octets;
  }
  return { at, start, end: start + length };
}

// The certificate's issuer Name and serial INTEGER, as DER: TBSCertificate = [0] version, serial, signature, issuer.
function issuerAndSerial(pemFile) {
  const der = new crypto.X509Certificate(fs.readFileSync(pemFile)).raw;
  const tbs = element(der, element(der, 0).start);
  let next = tbs.start;
  if (der[next] === 0xa0) next = element(der, next).end;
  const serial = element(der, next);
  const signature = element(der, serial.end);
  const issuer = element(der, signature.end);
  return { issuer: der.subarray(issuer.at, issuer.end), serial: der.subarray(serial.at, serial.end) };
}

const sha256Of = (pemFile) => new crypto.X509Certificate(fs.readFileSync(pemFile)).fingerprint256.replace(/:/g, '').toLowerCase();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-policy-removal-'));
let server = null, browser = null, reports = null;
try {
  // The stale copy and the site: one CA, a server certificate re-made with its old serial.
  makeCa(dir, 'Policy Removal CA');
  for (const name of ['old', 'new']) issueSerialOne(dir, name, { subject: '/CN=localhost', san: 'DNS:localhost' });
  const profile = path.join(dir, 'profile');
  fs.mkdirSync(profile);
  run(FIREFOX_CERTDB, [profile, 'init']);
  run(FIREFOX_CERTDB, [profile, 'add', path.join(dir, 'ca.pem'), 'Policy Removal CA', 'C,,']);
  run(FIREFOX_CERTDB, [profile, 'add', path.join(dir, 'old.pem'), 'portal (old)', ',,']);
  const site = await sServer({ cert: path.join(dir, 'new.pem'), key: path.join(dir, 'new.key') });
  if (site.error) throw new Error(site.error);
  server = site;
  const url = site.url('localhost');

  // The administrator's report endpoint, on loopback.
  const received = [];
  reports = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ method: req.method, path: req.url, body });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => reports.listen(0, '127.0.0.1', resolve));
  const reportUrl = `http://127.0.0.1:${reports.address().port}/certdoctor/report`;

  const stale = issuerAndSerial(path.join(dir, 'old.pem'));
  const list = [
    { issuer: stale.issuer.toString('base64'), serial: stale.serial.toString('hex'), reason: 'portal re-issued with its old serial' },
    { sha256: sha256Of(path.join(dir, 'ca.pem')), reason: 'not without allow_trusted' },
    { sha256: 'ab'.repeat(32), reason: 'never stored here' },
  ];
  fs.writeFileSync(path.join(dir, 'remove.json'), JSON.stringify(list));

  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  run(path.join(ROOT, 'tools/install.sh'), ['--user', '--home', home, '--host', path.join(BUILD, 'bin/certdoctor-host'),
    '--build', BUILD]);
  const generated = run(CERTDOCTOR, ['policy', '--install-url', 'file://' + path.join(BUILD, 'certdoctor.xpi'),
    '--remove-certificates', path.join(dir, 'remove.json'), '--removal-report-url', reportUrl]);
  assert.deepEqual(JSON.parse(generated).policies['3rdparty'].Extensions[EXTENSION_ID].remove_certificates, list);
  policies.write(generated);

  // Firefox refuses the site before: the stale copy is in the profile (checked in a Firefox of its own first).
  browser = await launchFirefox({ profileDir: profile, home,
    prefs: { 'xpinstall.signatures.required': false, 'extensions.webextensions.uuids': JSON.stringify({ [EXTENSION_ID]: UUID }) } });

  // The report arrives once the extension has started and the host has answered.
  for (let i = 0; i < 600 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(received.length, 1, 'one report arrived at the loopback server');
  assert.equal(received[0].method, 'POST');
  assert.equal(received[0].path, '/certdoctor/report');
  const report = JSON.parse(received[0].body);
  assert.equal(report.profile, profile);
  const outcomes = report.outcomes;
  assert.equal(outcomes.length, 3, JSON.stringify(report));
  assert.equal(outcomes[0].outcome, 'removed', JSON.stringify(outcomes[0]));
  assert.equal(outcomes[0].sha256, sha256Of(path.join(dir, 'old.pem')));
  assert.match(outcomes[0].backup_id, /\S/);
  assert.equal(outcomes[0].row.reason, list[0].reason);
  assert.equal(outcomes[1].outcome, 'refused');
  assert.equal(outcomes[1].error.code, 'needs_allow_trusted');
  assert.equal(outcomes[2].outcome, 'not_stored');

  // The page loads now, in this session.
  const after = await loadVerdict(browser, url);
  assert.equal(after.error, null, 'the page loads after the policy removal: ' + JSON.stringify(after));

  // The options page (removals.html) reads the same record from storage.local; WebDriver BiDi refuses to navigate a
  // tab to a moz-extension: page ("not allowed in this context", measured), so it is not opened here.
  await closeFirefox(browser);
  browser = null;

  // The admin finds the same outcomes in the profile; the CA is still there; undo puts the copy back.
  const recorded = fs.readFileSync(path.join(profile, 'certdoctor-backups/policy.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(recorded.map((o) => o.outcome), ['removed', 'refused', 'not_stored']);
  const listed = run(FIREFOX_CERTDB, [profile, 'list']);
  assert.ok(listed.includes('Policy Removal CA') && !listed.includes('portal (old)'), listed);
  const undone = JSON.parse(run(CERTDOCTOR, ['undo', '--profile', profile, outcomes[0].backup_id, '--json']));
  assert.equal(undone.restored.sha256, outcomes[0].sha256);
  assert.ok(run(FIREFOX_CERTDB, [profile, 'list']).includes('portal (old)'), 'undo restored the stale copy');
  console.log('ok: the policy removed the listed copy (by issuer and serial), refused the trusted CA, reported to ' +
    'the loopback server and policy.jsonl, the page loads, and undo restores it');
} finally {
  if (browser) await closeFirefox(browser);
  if (server) server.stop();
  if (reports) reports.close();
  policies.restore();
  fs.rmSync(dir, { recursive: true, force: true });
}
