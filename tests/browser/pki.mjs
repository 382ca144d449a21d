// Certificates for browser tests, made with the openssl command line: `openssl ca` because it alone (in OpenSSL
// 3.0) sets arbitrary validity dates, e.g. a certificate that expired last month.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const run = (args) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// YYMMDDHHMMSSZ, `days` from now (negative: in the past).
function asn1Time(days) {
  return new Date(Date.now() + days * 86400000).toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
}

// Issues `name` in `dir` from the CA files `ca` ({pem, key}); returns {pem, key}. `ext`: extension lines.
export function issue(dir, name, ca, { subject, ext = [], fromDays = -1, toDays = 30 }) {
  const f = (suffix) => path.join(dir, `${name}.${suffix}`);
  const db = path.join(dir, `${name}-ca`);
  fs.mkdirSync(path.join(db, 'new'), { recursive: true });
  fs.writeFileSync(path.join(db, 'index.txt'), '');
  fs.writeFileSync(path.join(db, 'serial'), '1000\n');  // required by the configuration; -rand_serial is used
  fs.writeFileSync(f('cnf'), ['[ca]', 'default_ca = d', '[d]', `database = ${db}/index.txt`, `new_certs_dir = ${db}/new`, `serial = ${db}/serial`,
    'default_md = sha256', 'policy = p', 'unique_subject = no', '[p]', 'commonName = supplied', '[x]', ...ext].join('\n') + '\n');
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('key'), '-out', f('csr'), '-subj', subject]);
  run(['ca', '-batch', '-config', f('cnf'), '-cert', ca.pem, '-keyfile', ca.key, '-in', f('csr'), '-out', f('pem'),
    '-notext', '-extensions', 'x', '-rand_serial', '-startdate', asn1Time(fromDays), '-enddate', asn1Time(toDays)]);
  return { pem: f('pem'), key: f('key') };
}

// The internal CA of the reused-serial examples (stale-copy.mjs, twins-example.mjs): dir/ca.pem and dir/ca.key.
// `serial` (hex) when it must not collide with the certificates it issues (their issuer name is its name).
export function makeCa(dir, caName, { serial } = {}) {
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'ca.key'), '-out', path.join(dir, 'ca.pem'),
    '-days', '30', ...(serial ? ['-set_serial', '0x' + serial] : []), '-subj', `/CN=${caName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
}

// A server certificate dir/<name>.pem (key dir/<name>.key) from that CA with serial 01: every one made this way
// shares the CA's issuer name and serial. `san`: e.g. "DNS:host" or "IP:127.0.0.1".
export function issueSerialOne(dir, name, { subject, san }) {
  const f = (suffix) => path.join(dir, `${name}.${suffix}`);
  run(['req', '-utf8', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('key'), '-out', f('csr'), '-subj', subject]);
  fs.writeFileSync(f('ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  run(['x509', '-req', '-in', f('csr'), '-CA', path.join(dir, 'ca.pem'), '-CAkey', path.join(dir, 'ca.key'),
    '-set_serial', '0x01', '-days', '30', '-extfile', f('ext'), '-out', f('pem')]);
  return { pem: f('pem'), key: f('key') };
}

// A fresh profile dir/profile (certutil) that trusts dir/ca.pem as `caName`.
export function profileTrustingCa(dir, caName) {
  const profile = path.join(dir, 'profile');
  fs.mkdirSync(profile);
  execFileSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password'], { stdio: 'ignore' });
  execFileSync('certutil', ['-A', '-d', `sql:${profile}`, '-n', caName, '-t', 'C,,', '-i', path.join(dir, 'ca.pem')], { stdio: 'ignore' });
  return profile;
}
