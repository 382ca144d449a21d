// The example both end-to-end tests use: an internal CA trusted by a fresh profile, a server certificate re-made
// with its old serial (01), the old copy stored in the profile, and the new one served by openssl s_server on a
// free loopback port. Everything lives in `dir`; stop() ends the server by its process id.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { makeCa, issueSerialOne, profileTrustingCa } from './pki.mjs';
import { sServer } from './servers.mjs';

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// `address`: where the server listens (127.0.0.1 unless `host` resolves to another loopback address).
export async function staleCopyExample({ dir, host, caName, oldNickname, subjectCn = host, address }) {
  const f = (name) => path.join(dir, name);
  makeCa(dir, caName);
  for (const name of ['old', 'new']) {  // the same issuer and serial: the new one is the re-made certificate
    issueSerialOne(dir, name, { subject: `/CN=${subjectCn}`, san: `DNS:${host}` });
  }
  const profile = profileTrustingCa(dir, caName);
  run('certutil', ['-A', '-d', `sql:${profile}`, '-n', oldNickname, '-t', ',,', '-i', f('old.pem')]);

  const server = await sServer({ cert: f('new.pem'), key: f('new.key'), address });
  if (server.error) throw new Error(server.error);
  return { profile, port: server.port, url: server.url(host), oldPem: f('old.pem'), stop: server.stop };
}
