#!/usr/bin/env node
// HSTS in real Firefox ESR, and certdoctor reading what Firefox recorded. A site under a trusted CA sends
// Strict-Transport-Security (with includeSubDomains); Firefox stores it in the profile's
// SiteSecurityServiceState.bin. A self-signed certificate is then served for that host, for a subdomain of it, and
// for an unrelated host, and the profile holds exceptions (cert_override.txt) for that certificate on all three.
// Firefox lets the exception through on the plain host only; certdoctor, reading the profile while Firefox runs,
// must predict each answer and say that the HSTS errors cannot be bypassed.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFirefox, loadVerdict, closeFirefox } from './firefox.mjs';
import { sServer } from './servers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CERTDOCTOR = process.env.CERTDOCTOR_BIN || path.join(ROOT, 'build/bin/certdoctor');
const HSTS = 'hsts.e2e.test', SUB = 'sub.hsts.e2e.test', PLAIN = 'plain.e2e.test';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-hsts-'));
const f = (name) => path.join(dir, name);
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let browser = null, device = null, site = null;
try {
  // A CA the profile trusts, and the HSTS site's certificate from it.
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '30',
    '-subj', '/CN=HSTS Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('site.key'), '-out', f('site.csr'), '-subj', `/CN=${HSTS}`]);
  fs.writeFileSync(f('site.ext'), `subjectAltName=DNS:${HSTS}\nextendedKeyUsage=serverAuth\n`);
  run('openssl', ['x509', '-req', '-in', f('site.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', '0x5a17',
    '-days', '30', '-extfile', f('site.ext'), '-out', f('site.pem')]);
  // The device: self-signed for all three names.
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('device.key'), '-out', f('device.pem'), '-days', '30',
    '-subj', '/CN=device', '-addext', `subjectAltName=DNS:${HSTS},DNS:${SUB},DNS:${PLAIN}`]);
  const deviceDer = execFileSync('openssl', ['x509', '-in', f('device.pem'), '-outform', 'DER']);
  const fingerprint = crypto.createHash('sha256').update(deviceDer).digest('hex').toUpperCase().match(/../g).join(':');

  const profile = f('profile');
  fs.mkdirSync(profile);
  run('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
  run('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'HSTS Test CA', '-t', 'C,,', '-i', f('ca.pem')]);

  device = await sServer({ cert: f('device.pem'), key: f('device.key') });
  if (device.error) throw new Error(device.error);
  // Exceptions as Firefox writes them when the user accepts the risk; Firefox reads them at start-up.
  fs.writeFileSync(path.join(profile, 'cert_override.txt'), ['# PSM Certificate Override Settings file',
    ...[HSTS, SUB, PLAIN].map((h) => `${h}:${device.port}:\tOID.2.16.840.1.101.3.4.2.1\t${fingerprint}\t`)].join('\n') + '\n');

  site = https.createServer({ key: fs.readFileSync(f('site.key')), cert: fs.readFileSync(f('site.pem')) }, (req, res) => {
    res.writeHead(200, { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains', 'Content-Type': 'text/plain' });
    res.end('hsts site\n');
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  const sitePort = site.address().port;

  browser = await launchFirefox({ profileDir: profile, home: f('home'), names: [HSTS, SUB, PLAIN] });
  // Before HSTS is known, certdoctor sees the exception letting the device through on every name.
  const diagnose = (host) => JSON.parse(run(CERTDOCTOR, ['diagnose', device.url(host), '--profile', profile,
    '--resolve', `${host}:${device.port}:127.0.0.1`, '--json']));
  assert.equal(diagnose(HSTS).firefox_error, null, 'the exception applies while the host is not HSTS');

  const first = await loadVerdict(browser, `https://${HSTS}:${sitePort}/`);
  assert.equal(first.error, null, `the HSTS site loads under its trusted CA (got ${first.error})`);
  const state = path.join(profile, 'SiteSecurityServiceState.bin');
  for (let i = 0; i < 50 && !fs.existsSync(state); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(fs.existsSync(state), 'Firefox recorded the HSTS header in the profile');

  const expected = { [HSTS]: 'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', [SUB]: 'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', [PLAIN]: null };
  for (const host of [HSTS, SUB, PLAIN]) {
    const firefox = await loadVerdict(browser, device.url(host));
    assert.equal(firefox.error, expected[host], `Firefox on ${host}`);
    const d = diagnose(host);
    console.log(`${host}: Firefox ${firefox.error}, certdoctor ${d.firefox_error}` +
      (d.hsts ? ` (HSTS from ${d.hsts.domain}, overridable ${d.overridable})` : ''));
    assert.equal(d.firefox_error, firefox.error, `certdoctor agrees with Firefox on ${host}`);
    if (firefox.error) {
      assert.equal(d.overridable, false, 'an error on an HSTS host cannot be bypassed');
      assert.equal(d.hsts.source, 'profile');
      assert.equal(d.hsts.domain, HSTS);
      assert.equal(d.hsts.include_subdomains, true);
      const finding = d.findings.find((x) => x.code === 'hsts_host');
      assert.ok(finding && finding.explanation.includes(HSTS), 'the HSTS finding names the site that set it');
      assert.ok(!d.findings.some((x) => x.code === 'exception_applies'), 'the stored exception is not said to apply');
    } else {
      assert.equal(d.hsts, undefined, `${PLAIN} is not HSTS`);
      assert.ok(d.findings.some((x) => x.code === 'exception_applies'));
    }
  }
  console.log('HSTS: Firefox and certdoctor agree on all three hosts');
} finally {
  if (browser) await closeFirefox(browser);
  if (device && device.stop) device.stop();
  if (site) site.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
