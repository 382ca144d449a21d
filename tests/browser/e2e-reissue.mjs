#!/usr/bin/env node
// End to end in real Firefox ESR: two devices with one factory identity (the same issuer and serial, each its own
// name), nothing stored for either. Firefox loads A, then refuses B with SEC_ERROR_REUSED_ISSUER_AND_SERIAL (A's
// certificate is held in its memory). `certdoctor reissue` makes B a certificate of its own, signed by the admin's
// CA: served in B's place, it loads in the same Firefox session, A still loads, and certdoctor's own verdict
// agrees. A self-signed replacement gets Firefox's ordinary self-signed warning instead of the reused serial, as
// certdoctor predicts.
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFirefox, loadVerdict, closeFirefox } from './firefox.mjs';
import { sServer } from './servers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CERTDOCTOR = process.env.CERTDOCTOR_BIN || path.join(ROOT, 'build/bin/certdoctor');
const A = 'idrac-a.e2e.test';
const B = 'idrac-b.e2e.test';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-reissue-'));
const f = (name) => path.join(dir, name);
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const certdoctor = (args) => JSON.parse(run(CERTDOCTOR, [...args, '--json']));

const servers = [];
let browser = null;
async function serve(cert, key) {
  const s = await sServer({ cert, key });
  if (s.error) throw new Error(s.error);
  servers.push(s);
  return s;
}

try {
  // The factory's CA (the name every iDRAC's certificate carries) and the admin's own CA; both trusted, so that the
  // only thing between Firefox and the pages is the shared identity.
  const ca = (name, subj) => run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`),
    '-out', f(`${name}.pem`), '-days', '30', '-subj', subj, '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign']);
  ca('factory', '/O=Dell Inc./OU=Remote Access Group/CN=iDRAC default certificate');
  ca('fleet', '/CN=Example Fleet CA');
  for (const [name, host] of [['a', A], ['b', B]]) {
    run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${host}`]);
    fs.writeFileSync(f(`${name}.ext`), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
    run('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('factory.pem'), '-CAkey', f('factory.key'),
      '-set_serial', '0x01', '-days', '30', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)]);
  }
  const profile = f('profile');
  fs.mkdirSync(profile);
  run('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
  run('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'iDRAC factory CA', '-t', 'C,,', '-i', f('factory.pem')]);
  run('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'Example Fleet CA', '-t', 'C,,', '-i', f('fleet.pem')]);

  const a = await serve(f('a.pem'), f('a.key'));
  const b = await serve(f('b.pem'), f('b.key'));
  const urlA = a.url(A), urlB = b.url(B);
  browser = await launchFirefox({ profileDir: profile, home: f('home'), names: [A, B] });

  const firstA = await loadVerdict(browser, urlA);
  assert.equal(firstA.error, null, `A loads first (got ${firstA.error})`);
  const firstB = await loadVerdict(browser, urlB);
  assert.equal(firstB.error, 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL', 'B collides with A held in memory');
  assert.ok(!run('certutil', ['-L', '-d', `sql:${profile}`]).includes(A), 'nothing of A is stored');
  console.log('Firefox: A loads, B', firstB.error);

  // The replacement for B, signed by the admin's CA; certdoctor fetches B's certificate for its names and device.
  const out = f('out');
  fs.mkdirSync(out);
  const made = certdoctor(['reissue', urlB, '--resolve', `${B}:${b.port}:127.0.0.1`, '--ca', f('fleet.pem'),
    '--ca-key', f('fleet.key'), '--out', out]);
  assert.equal(made.signer, 'ca');
  assert.deepEqual(made.names, [`DNS:${B}`]);
  assert.equal(made.device.id, 'dell-idrac', 'the factory certificate is recognised');
  assert.match(made.upload_command, /racadm -r 'idrac-b\.e2e\.test' -u root sslcertupload/);
  assert.ok(BigInt('0x' + made.serial) >= 2n ** 63n, 'a serial of at least 64 bits');
  const file = (role) => made.files.find((x) => x.role === role).path;
  assert.equal(fs.statSync(file('key')).mode & 0o777, 0o600);

  // Served in B's place (the old B stopped): the same Firefox session, no restart.
  b.stop();
  const b2 = await serve(file('chain'), file('key'));
  const urlB2 = b2.url(B);
  const after = await loadVerdict(browser, urlB2);
  assert.equal(after.error, null, `the re-issued B loads next to its twin (got ${after.error})`);
  assert.equal(after.status, 200);
  const againA = await loadVerdict(browser, urlA);
  assert.equal(againA.error, null, 'A still loads');
  const verdict = certdoctor(['diagnose', urlB2, '--profile', profile, '--resolve', `${B}:${b2.port}:127.0.0.1`]);
  assert.equal(verdict.firefox_error, null, 'certdoctor agrees: the page loads');
  console.log('Firefox: re-issued B loads (status', after.status + '), A still loads; certdoctor agrees');

  // A self-signed replacement: no collision either, only Firefox's ordinary warning for a self-signed certificate.
  const out2 = f('out2');
  fs.mkdirSync(out2);
  const self = certdoctor(['reissue', urlB2, '--resolve', `${B}:${b2.port}:127.0.0.1`, '--out', out2]);
  assert.equal(self.signer, 'self-signed');
  const b3 = await serve(self.files.find((x) => x.role === 'certificate').path, self.files.find((x) => x.role === 'key').path);
  const selfSigned = await loadVerdict(browser, b3.url(B));
  assert.equal(selfSigned.error, 'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', `self-signed: Firefox's ordinary warning (got ${selfSigned.error})`);
  const predicted = certdoctor(['diagnose', b3.url(B), '--profile', profile, '--resolve', `${B}:${b3.port}:127.0.0.1`]);
  assert.equal(predicted.firefox_error, selfSigned.error, 'certdoctor predicts the same');
  console.log('Firefox: self-signed replacement gives', selfSigned.error, '(certdoctor agrees)');
  console.log('ok');
} finally {
  if (browser) await closeFirefox(browser);
  for (const s of servers) s.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
