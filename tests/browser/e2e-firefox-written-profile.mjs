#!/usr/bin/env node
// End to end on a profile Firefox ESR wrote itself (firefox-written-profile.mjs: addCertFromBase64 from chrome code,
// as its Certificate Manager and the Certificates.Install policy do): one private root trusted ("C,,"), another
// distrusted ("p,p,p"). The trust is stored as CKO_TRUST objects, which Debian's certutil lists as ",,". certdoctor
// reads the profile with the NSS its compatibility.ini names and gives Firefox's verdicts (checked in Firefox on the
// same profile); `remove` refuses the trusted root without --allow-trusted; with it, the root goes with its trust
// object (no orphan) and Firefox refuses the site; `undo` brings the same object back and Firefox loads the site.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFirefox, loadVerdict, closeFirefox } from './firefox.mjs';
import { firefoxWritesProfile } from './firefox-written-profile.mjs';
import { issue } from './pki.mjs';
import { sServer } from './servers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CERTDOCTOR = process.env.CERTDOCTOR_BIN || path.join(ROOT, 'build/bin/certdoctor');
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const certdoctor = (args) => JSON.parse(run(CERTDOCTOR, [...args, '--json']));
const sha256 = (pemFile) => crypto.createHash('sha256').update(new crypto.X509Certificate(fs.readFileSync(pemFile)).raw).digest('hex');
// The database's rows by object class, whichever NSS reads it: "0000000B" is CKO_TRUST, "CE534353" CKO_NSS_TRUST.
const classes = (profile) => Object.fromEntries(run('sqlite3', ['-readonly', path.join(profile, 'cert9.db'),
  'SELECT hex(a0), count(*) FROM nssPublic GROUP BY a0']).trim().split('\n').map((l) => l.split('|')).map(([k, v]) => [k, Number(v)]));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-fxwritten-'));
const home = path.join(dir, 'home');
const profile = path.join(dir, 'profile');
const servers = [];
let browser = null;
const names = ['trusted.fx.test', 'distrusted.fx.test'];

// A fresh Firefox on the profile: its verdict for each site (a running one keeps certificates it verified in memory).
async function firefoxVerdicts(urls) {
  browser = await launchFirefox({ profileDir: profile, home, names });
  const out = [];
  for (const u of urls) out.push((await loadVerdict(browser, u)).error);
  await closeFirefox(browser);
  browser = null;
  return out;
}

try {
  const sites = [];
  for (const [i, host] of names.entries()) {
    const caDir = path.join(dir, `ca${i}`);
    fs.mkdirSync(caDir);
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(caDir, 'ca.key'), '-out',
      path.join(caDir, 'ca.pem'), '-days', '30', '-subj', `/CN=${host} Private Root`, '-addext',
      'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
    const ca = { pem: path.join(caDir, 'ca.pem'), key: path.join(caDir, 'ca.key') };
    const leaf = issue(caDir, 'leaf', ca, { subject: `/CN=${host}`, ext: [`subjectAltName=DNS:${host}`, 'extendedKeyUsage=serverAuth'] });
    const server = await sServer({ cert: leaf.pem, key: leaf.key });
    assert.ok(!server.error, server.error);
    servers.push(server);
    sites.push({ host, ca, url: `https://${host}:${server.port}/`, resolve: `${host}:${server.port}:127.0.0.1` });
  }
  const [trusted, distrusted] = sites;

  // Firefox writes the profile.
  const fingerprints = await firefoxWritesProfile({ profileDir: profile, home, certs: [
    { pem: fs.readFileSync(trusted.ca.pem, 'utf8'), trust: 'C,,' },
    { pem: fs.readFileSync(distrusted.ca.pem, 'utf8'), trust: 'p,p,p' }] });
  assert.equal(fingerprints.length, 2);
  const written = classes(profile);
  assert.equal(written['0000000B'], 2, 'Firefox stored both trusts as CKO_TRUST objects');
  assert.equal(written.CE534353 || 0, 0, 'and no CKO_NSS_TRUST object');
  assert.match(fs.readFileSync(path.join(profile, 'compatibility.ini'), 'utf8'), /^LastPlatformDir=\/usr\/lib\/firefox-esr$/m);
  const listed = run('certutil', ['-L', '-d', `sql:${profile}`]);
  assert.match(listed, /trusted\.fx\.test Private Root\s+,,/, "Debian's certutil cannot see the trust (as the issue measured)");
  console.log('Firefox wrote the profile: CKO_TRUST objects', written['0000000B']);

  // certdoctor's verdicts, and Firefox's on the same profile.
  const urls = sites.map((s) => s.url);
  const dt = certdoctor(['diagnose', trusted.url, '--profile', profile, '--resolve', trusted.resolve]);
  const dd = certdoctor(['diagnose', distrusted.url, '--profile', profile, '--resolve', distrusted.resolve]);
  assert.equal(dt.profile.nss.library, 'firefox');
  assert.equal(dt.profile.nss.source, 'compatibility.ini', 'read with the NSS of the installation that wrote it');
  assert.equal(dt.firefox_error, null);
  assert.equal(dd.firefox_error, 'SEC_ERROR_UNTRUSTED_ISSUER');
  const culprit = dd.conflicts.find((c) => c.sha256 === sha256(distrusted.ca.pem));
  assert.ok(culprit, 'the distrusted root is named among the conflicts');
  assert.equal(culprit.trust, 'p,p,p');
  const firefoxBefore = await firefoxVerdicts(urls);
  assert.deepEqual(firefoxBefore, [dt.firefox_error, dd.firefox_error], 'certdoctor gives the verdicts Firefox gives');
  console.log('Firefox and certdoctor agree:', firefoxBefore);

  // The guard sees the trust Firefox stored.
  const rootSha = sha256(trusted.ca.pem);
  let refused = null;
  try { run(CERTDOCTOR, ['remove', '--profile', profile, '--sha256', rootSha]); } catch (e) { refused = e; }
  assert.ok(refused && refused.status === 1, 'remove without --allow-trusted refuses the root Firefox trusts');
  assert.match(String(refused.stderr), /trusted root/);
  assert.deepEqual(classes(profile), written, 'and changes nothing');

  const removed = certdoctor(['remove', '--profile', profile, '--sha256', rootSha, '--allow-trusted', '--url', trusted.url,
    '--resolve', trusted.resolve]);
  assert.equal(removed.removed.trust, 'C,,');
  assert.equal(removed.after.firefox_error, 'SEC_ERROR_UNKNOWN_ISSUER');
  assert.equal(classes(profile)['0000000B'], 1, 'its CKO_TRUST object went with it (no orphan)');
  const firefoxRemoved = await firefoxVerdicts([trusted.url]);
  assert.deepEqual(firefoxRemoved, ['SEC_ERROR_UNKNOWN_ISSUER'], 'Firefox no longer trusts the site: nothing was left behind');

  certdoctor(['undo', '--profile', profile]);
  assert.deepEqual(classes(profile), written, 'undo recreates the same objects in the same format');
  const firefoxUndone = await firefoxVerdicts([trusted.url]);
  assert.deepEqual(firefoxUndone, [null], 'Firefox trusts the root again');
  console.log('removal and undo checked in Firefox: ok');
} finally {
  if (browser) await closeFirefox(browser);
  for (const s of servers) s.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
