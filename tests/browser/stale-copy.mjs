// The example both end-to-end tests use: an internal CA trusted by a fresh profile, a server certificate re-made
// with its old serial (01), the old copy stored in the profile, and the new one served by openssl s_server on a
// free loopback port. Everything lives in `dir`; stop() ends the server by its process id.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sServer } from './servers.mjs';

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export async function staleCopyExample({ dir, host, caName, oldNickname, subjectCn = host }) {
  const f = (name) => path.join(dir, name);
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '30',
    '-subj', `/CN=${caName}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  for (const name of ['old', 'new']) {  // the same issuer and serial: the new one is the re-made certificate
    run('openssl', ['req', '-utf8', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${subjectCn}`]);
    fs.writeFileSync(f(`${name}.ext`), `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n`);
    run('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-set_serial', '0x01',
      '-days', '30', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`)]);
  }
  const profile = f('profile');
  fs.mkdirSync(profile);
  run('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
  run('certutil', ['-A', '-d', `sql:${profile}`, '-n', caName, '-t', 'C,,', '-i', f('ca.pem')]);
  run('certutil', ['-A', '-d', `sql:${profile}`, '-n', oldNickname, '-t', ',,', '-i', f('old.pem')]);

  const server = await sServer({ cert: f('new.pem'), key: f('new.key') });
  if (server.error) throw new Error(server.error);
  return { profile, port: server.port, url: server.url(host), oldPem: f('old.pem'), stop: server.stop };
}
