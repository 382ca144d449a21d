// The example for the in-memory reused serial: an internal CA (trusted in a fresh profile made with certutil) that
// issued two devices, A and B, certificates with one serial (01). Each is served by `openssl s_server` on a free
// loopback port and reached by IP, as devices usually are. Nothing of A or B is stored in the profile: once Firefox
// has loaded A, it refuses B with SEC_ERROR_REUSED_ISSUER_AND_SERIAL from A's certificate held in its memory.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeCa, issueSerialOne, profileTrustingCa } from './pki.mjs';
import { sServer } from './servers.mjs';

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// Makes the certificates and the profile in `dir`, starts both servers; stop() ends them by their process ids.
export async function twinsExample({ dir, caName = 'Twins Test CA', tls13 = false }) {
  const f = (name) => path.join(dir, name);
  // The CA's own serial is not 01: its issuer name is the devices' issuer, so it would collide with them.
  makeCa(dir, caName, { serial: '7f01' });
  for (const name of ['a', 'b']) issueSerialOne(dir, name, { subject: `/CN=device-${name}`, san: 'IP:127.0.0.1' });
  const profile = profileTrustingCa(dir, caName);

  // Each device serves a page with a title of its own, so that a browser showing it can be told from an error page.
  for (const name of ['a', 'b']) {
    fs.writeFileSync(f(`device-${name}.html`), `<!DOCTYPE html><title>Device ${name.toUpperCase()}</title><p>device ${name}</p>\n`);
  }
  // TLS 1.2 by default, as most devices speak it.
  const args = tls13 ? [] : ['-no_tls1_3'];
  const a = await sServer({ cert: f('a.pem'), key: f('a.key'), www: '-WWW', cwd: dir, args });
  const b = await sServer({ cert: f('b.pem'), key: f('b.key'), www: '-WWW', cwd: dir, args });
  if (a.error || b.error) {
    if (a.stop) a.stop();
    if (b.stop) b.stop();
    throw new Error(a.error || b.error);
  }
  return { profile, caPem: f('ca.pem'),
    a: { url: a.url('127.0.0.1') + 'device-a.html', origin: a.url('127.0.0.1'), pem: f('a.pem'), title: 'Device A' },
    b: { url: b.url('127.0.0.1') + 'device-b.html', origin: b.url('127.0.0.1'), pem: f('b.pem'), title: 'Device B' },
    stop: () => { a.stop(); b.stop(); } };
}

// The stored certificates of a profile, as certutil lists them (nickname and trust per line).
export function storedCertificates(profile) {
  return run('certutil', ['-L', '-d', `sql:${profile}`]).split('\n').slice(4).filter((l) => l.trim());
}
