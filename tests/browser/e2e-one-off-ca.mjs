#!/usr/bin/env node
// Issue 28, item 3, in real Firefox ESR: `certdoctor reissue --csr` without a CA signs the device's key with a
// one-off CA whose name constraints permit exactly the certificate's names. Trusted in a profile, that CA's chain
// loads in Firefox, for an address (https://127.0.0.1:PORT/, a certificate without a common name) and for a DNS
// name. The one-off CA's key is gone, so the constraints are put to the test on a CA with a key of its own that
// carries the very same nameConstraints extension (its DER copied byte for byte): Firefox loads what it signs for
// the certificate's own name, and refuses every foreign name (another DNS name, a name below it, another address)
// with SEC_ERROR_CERT_NOT_IN_NAME_SPACE. OpenSSL agrees (`openssl verify`).
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFirefox, loadVerdict, closeFirefox } from './firefox.mjs';
import { sServer } from './servers.mjs';
import { issue } from './pki.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CERTDOCTOR = process.env.CERTDOCTOR_BIN || path.join(ROOT, 'build/bin/certdoctor');
const HOST = 'nas.e2e.test';
const FOREIGN = 'www.paypal.com';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-one-off-ca-'));
const f = (name) => path.join(dir, name);
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const certdoctor = (args) => JSON.parse(run(CERTDOCTOR, [...args, '--json']));
const verifies = (ca, leaf) => {
  try {
    run('openssl', ['verify', '-x509_strict', '-CAfile', ca, leaf]);
    return true;
  } catch {
    return false;
  }
};

// The nameConstraints extension of a certificate as an OpenSSL configuration line, its DER exactly.
function nameConstraintsLine(pem) {
  const lines = run('openssl', ['asn1parse', '-in', pem]).split('\n');
  const at = lines.findIndex((l) => l.includes(':X509v3 Name Constraints'));
  assert.ok(at >= 0, `${pem} has name constraints`);
  assert.match(lines[at + 1], /BOOLEAN\s+:255/, 'they are critical');
  const hex = lines[at + 2].match(/OCTET STRING\s+\[HEX DUMP\]:([0-9A-F]+)/);
  assert.ok(hex, `the extension's value: ${lines[at + 2]}`);
  return `nameConstraints=critical,DER:${hex[1]}`;
}

const servers = [];
let browser = null;
async function serve(cert, key, address = '127.0.0.1') {
  const s = await sServer({ cert, key, address });
  if (s.error) throw new Error(s.error);
  servers.push(s);
  return s;
}

try {
  // The device: a certificate naming foreign hosts (the review's device), and a key and CSR of its own.
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('served.key'), '-out', f('served.pem'),
    '-days', '30', '-subj', '/CN=login.bank.example/O=Evil', '-addext',
    `subjectAltName=DNS:*.google.com,DNS:${FOREIGN},IP:8.8.8.8,IP:127.0.0.1,DNS:${HOST}`]);
  run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('dev.key'),
    '-subj', '/CN=login.bank.example/O=Evil', '-out', f('dev.csr')]);
  const device = await serve(f('served.pem'), f('served.key'));

  const made = {};
  for (const [kind, url, extra] of [['ip', device.url('127.0.0.1'), []],
    ['dns', device.url(HOST), ['--resolve', `${HOST}:${device.port}:127.0.0.1`]]]) {
    fs.mkdirSync(f(kind));
    const r = certdoctor(['reissue', url, ...extra, '--csr', f('dev.csr'), '--out', f(kind)]);
    assert.equal(r.signer, 'one-off-ca');
    made[kind] = { names: r.names, file: (role) => r.files.find((x) => x.role === role).path };
  }
  assert.deepEqual(made.ip.names, ['IP:127.0.0.1']);
  assert.deepEqual(made.dns.names, [`DNS:${HOST}`]);

  // A CA of our own per case with the one-off CA's constraints, and the certificates it signs.
  const copies = {};
  for (const kind of ['ip', 'dns']) {
    const name = `copy-${kind}`;
    fs.writeFileSync(f(`${name}.cnf`), ['[req]', 'distinguished_name = dn', '[dn]', '[x]',
      'basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash',
      nameConstraintsLine(made[kind].file('ca'))].join('\n') + '\n');
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`),
      '-days', '30', '-subj', `/CN=certdoctor e2e constraint copy ${kind}`, '-config', f(`${name}.cnf`), '-extensions', 'x']);
    copies[kind] = { pem: f(`${name}.pem`), key: f(`${name}.key`) };
  }
  const leaf = (kind, label, san) => {
    const c = issue(dir, `${kind}-${label}`, copies[kind], { subject: `/CN=${label}`,
      ext: ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth',
        `subjectAltName=${san}`] });
    fs.writeFileSync(c.pem + '.chain', fs.readFileSync(c.pem, 'utf8') + fs.readFileSync(copies[kind].pem, 'utf8'));
    return { ...c, chain: c.pem + '.chain' };
  };
  // [case, address served on, host in the URL, certificate, what Firefox must show]
  const cases = [
    ['ip: own address', '127.0.0.1', '127.0.0.1', leaf('ip', 'own', 'IP:127.0.0.1'), null],
    ['ip: a foreign DNS name', '127.0.0.1', FOREIGN, leaf('ip', 'foreign-dns', `DNS:${FOREIGN}`), 'SEC_ERROR_CERT_NOT_IN_NAME_SPACE'],
    ['ip: another address', '127.0.0.2', '127.0.0.2', leaf('ip', 'other-ip', 'IP:127.0.0.2'), 'SEC_ERROR_CERT_NOT_IN_NAME_SPACE'],
    ['dns: own name', '127.0.0.1', HOST, leaf('dns', 'own', `DNS:${HOST}`), null],
    ['dns: a name below it', '127.0.0.1', `www.${HOST}`, leaf('dns', 'below', `DNS:www.${HOST}`), 'SEC_ERROR_CERT_NOT_IN_NAME_SPACE'],
    ['dns: a foreign DNS name', '127.0.0.1', FOREIGN, leaf('dns', 'foreign-dns', `DNS:${FOREIGN}`), 'SEC_ERROR_CERT_NOT_IN_NAME_SPACE'],
    ['dns: an address', '127.0.0.1', '127.0.0.1', leaf('dns', 'ip', 'IP:127.0.0.1'), 'SEC_ERROR_CERT_NOT_IN_NAME_SPACE'],
  ];
  for (const [label, , , c, expected] of cases) {
    assert.equal(verifies(copies[label.split(':')[0]].pem, c.pem), expected === null, `OpenSSL on ${label}`);
  }
  for (const kind of ['ip', 'dns']) {
    assert.ok(verifies(made[kind].file('ca'), made[kind].file('certificate')), `OpenSSL verifies certdoctor's ${kind} chain`);
  }

  const profile = f('profile');
  fs.mkdirSync(profile);
  run('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
  for (const kind of ['ip', 'dns']) {
    run('certutil', ['-A', '-d', `sql:${profile}`, '-n', `one-off ${kind}`, '-t', 'C,,', '-i', made[kind].file('ca')]);
    run('certutil', ['-A', '-d', `sql:${profile}`, '-n', `copy ${kind}`, '-t', 'C,,', '-i', copies[kind].pem]);
  }
  browser = await launchFirefox({ profileDir: profile, home: f('home'), names: [HOST, `www.${HOST}`, FOREIGN] });

  // certdoctor's own chains, served with the device's key.
  device.stop();
  for (const [kind, host] of [['ip', '127.0.0.1'], ['dns', HOST]]) {
    const s = await serve(made[kind].file('chain'), f('dev.key'));
    const v = await loadVerdict(browser, s.url(host));
    assert.equal(v.error, null, `Firefox loads the one-off CA's ${kind} certificate (got ${v.error} ${v.message || ''})`);
    console.log(`Firefox: certdoctor's one-off CA, ${kind}: ${s.url(host)} loads (status ${v.status})`);
  }
  for (const [label, address, host, c, expected] of cases) {
    const s = await serve(c.chain, c.key, address);
    const v = await loadVerdict(browser, s.url(host));
    assert.equal(v.error, expected, `${label}: Firefox shows ${expected} (got ${v.error})`);
    console.log(`Firefox: the constraints, ${label}: ${v.error || 'loads'}`);
  }
  console.log('ok');
} finally {
  if (browser) await closeFirefox(browser);
  for (const s of servers) s.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
