#!/usr/bin/env node
// Writes tests/truth/handshake-cases.json: ground-truth cases where the TLS handshake, not the certificate, decides
// what Firefox shows. Each names how its `openssl s_server` is started (`server.args`), or a loopback server of
// ours that misbehaves after the ClientHello (`server.behaviour`: "close" hangs up, "alert" sends one fatal alert),
// and, for the profile-settings cases, the Firefox prefs the profile sets (`prefs`, written to the profile's
// user.js for certdoctor and given to Firefox the same way). A trusted, valid chain (own:rsa-valid) is served
// wherever the key kind does not matter, so that only the handshake can make a page fail. Run it only to change
// the cases, then re-take their truth:
//   node tests/truth/make_handshake_cases.mjs && node tests/browser/truth.mjs record --only-prefix hs:
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const own = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')).cases;
const valid = own.find((c) => c.id === 'own:rsa-valid');

// A self-signed certificate for site.test with a key of the given kind (openssl genpkey arguments).
function selfSigned(keyArgs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-hs-case-'));
  try {
    const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['genpkey', ...keyArgs, '-out', key], { stdio: 'ignore' });
    execFileSync('openssl', ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '27000', '-sha256',
      '-subj', '/CN=site.test', '-addext', 'subjectAltName=DNS:site.test'], { stdio: 'ignore' });
    return { chain: [fs.readFileSync(cert, 'utf8')], key: fs.readFileSync(key, 'utf8'), stored: [] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const dsaParams = (dir) => ['-paramfile', dir];

function dsaKeyArgs() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-hs-dsa-'));
  const params = path.join(dir, 'params.pem');
  execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-out', params], { stdio: 'ignore' });
  return { args: dsaParams(params), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

const servedValid = { host: 'site.test', chain: valid.chain, key: valid.key, stored: valid.stored };
const legacy = ['-cipher', 'DEFAULT:@SECLEVEL=0'];
const cases = [
  ['hs:tls1.0-only', 'the server speaks only TLS 1.0', { args: ['-tls1', ...legacy] }],
  ['hs:tls1.1-only', 'the server speaks only TLS 1.1', { args: ['-tls1_1', ...legacy] }],
  ['hs:tls1.2-dhe-only', 'TLS 1.2 with DHE key exchange only', { args: ['-tls1_2', '-cipher', 'kDHE:@SECLEVEL=0'] }],
  ['hs:tls1.2-cbc-sha256-only', 'TLS 1.2 with CBC suites Firefox lacks (SHA-256/384 MACs) only',
    { args: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:AES128-SHA256:AES256-SHA256'] }],
  ['hs:tls1.2-rsa-kex-only', 'TLS 1.2 with RSA key exchange only', { args: ['-tls1_2', '-cipher', 'kRSA:@SECLEVEL=0'] }],
  ['hs:tls1.3-only', 'the server speaks only TLS 1.3', { args: ['-tls1_3'] }],
  ['hs:client-cert-tls1.2', 'TLS 1.2, a client certificate is required', { args: ['-tls1_2', '-Verify', '1'] }],
  ['hs:client-cert-tls1.3', 'TLS 1.3, a client certificate is required', { args: ['-tls1_3', '-Verify', '1'] }],
  ['hs:client-cert-optional', 'a client certificate is asked for but not required', { args: ['-verify', '1'] }],
  ['hs:close-after-hello', 'the server hangs up after the ClientHello', { behaviour: 'close' }],
  ['hs:alert-handshake-failure', 'the server answers the ClientHello with a handshake_failure alert', { behaviour: 'alert', alert: 40 }],
  ['hs:alert-internal-error', 'the server answers the ClientHello with an internal_error alert', { behaviour: 'alert', alert: 80 }],
  // The profile's own settings.
  ['hs:tls1.0-only-deprecated-enabled', 'TLS 1.0 only, the profile re-enabled TLS 1.0 and 1.1',
    { args: ['-tls1', ...legacy] }, { 'security.tls.version.enable-deprecated': true }],
  ['hs:tls1.2-only-min-tls1.3', 'TLS 1.2 only, the profile requires TLS 1.3', { args: ['-tls1_2'] }, { 'security.tls.version.min': 4 }],
  ['hs:tls1.2-suite-switched-off', "the server's one suite is switched off in the profile",
    { args: ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'] }, { 'security.ssl3.ecdhe_rsa_aes_128_gcm_sha256': false }],
  ['hs:tls1.2-dhe-switched-on', 'DHE only, the profile switched a DHE suite on',
    { args: ['-tls1_2', '-cipher', 'kDHE:@SECLEVEL=0'] }, { 'security.ssl3.dhe_rsa_aes_128_sha': true }],
].map(([id, description, server, prefs]) => ({ id, description, ...servedValid, server, ...(prefs ? { prefs } : {}) }));

// Keys Firefox cannot use: DSA (no DSS suite, no DSA signature algorithm) and an EC curve it does not offer.
const dsa = dsaKeyArgs();
try {
  cases.push({ id: 'hs:dsa-key', description: "the server's key is DSA", host: 'site.test', ...selfSigned(dsa.args), server: { args: legacy } });
} finally {
  dsa.cleanup();
}
cases.push({ id: 'hs:brainpool-key', description: "the server's key is on brainpoolP256r1", host: 'site.test',
  ...selfSigned(['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:brainpoolP256r1']), server: { args: legacy } });

fs.writeFileSync(path.join(DIR, 'handshake-cases.json'), JSON.stringify({
  note: 'Written by tests/truth/make_handshake_cases.mjs; Firefox\'s answers are in firefox-truth.json.', cases }, null, 1) + '\n');
console.error(`${cases.length} handshake cases written`);
