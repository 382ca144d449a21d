#!/usr/bin/env node
// Firefox's ClientHello, measured: what the browser offers, so certdoctor's own first handshake can offer the same.
//
//   node tests/browser/client-hello.mjs firefox [--pref NAME=VALUE ...]   print the facts of Firefox's ClientHello
//   node tests/browser/client-hello.mjs compare                             Firefox's facts against certdoctor's
//
// A plain TCP listener on a free loopback port takes the first TLS record a client sends and hangs up; the record is
// parsed into the facts that decide how a server answers: versions, cipher suites in order, groups, signature
// algorithms, key shares, and the extensions in order. `compare` (part of CTest) captures Firefox's hello and
// certdoctor's (`certdoctor diagnose` against the same listener) and fails on any difference the C++ table in
// native-host/lib/fetch/firefox_hello.cpp does not list as one OpenSSL cannot send.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CERTDOCTOR = process.env.CERTDOCTOR_BIN || path.join(ROOT, 'build/bin/certdoctor');

// IANA names of the code points seen (the rest print as hex).
const EXTENSIONS = {
  0: 'server_name', 5: 'status_request', 10: 'supported_groups', 11: 'ec_point_formats', 13: 'signature_algorithms',
  16: 'application_layer_protocol_negotiation', 18: 'signed_certificate_timestamp', 21: 'padding',
  22: 'encrypt_then_mac', 23: 'extended_master_secret', 27: 'compress_certificate', 28: 'record_size_limit',
  34: 'delegated_credentials', 35: 'session_ticket', 41: 'pre_shared_key', 42: 'early_data', 43: 'supported_versions',
  45: 'psk_key_exchange_modes', 49: 'post_handshake_auth', 51: 'key_share', 65037: 'encrypted_client_hello',
  65281: 'renegotiation_info',
};
const hex4 = (n) => '0x' + n.toString(16).padStart(4, '0');

// Parses one TLS record holding a ClientHello into its facts (throws on anything else).
export function parseClientHello(buf) {
  if (buf[0] !== 22) throw new Error('not a handshake record');
  const body = buf.subarray(5, 5 + buf.readUInt16BE(3));
  if (body[0] !== 1) throw new Error('not a ClientHello');
  let p = 4 + 2 + 32;                        // type+length, legacy_version, random
  p += 1 + body[p];                          // session id
  const suitesLen = body.readUInt16BE(p); p += 2;
  const cipher_suites = [];
  for (let i = 0; i < suitesLen; i += 2) cipher_suites.push(hex4(body.readUInt16BE(p + i)));
  p += suitesLen;
  p += 1 + body[p];                          // compression methods
  const facts = { record_version: hex4(buf.readUInt16BE(1)), legacy_version: hex4(body.readUInt16BE(4)), cipher_suites,
    extensions: [], versions: [], groups: [], signature_algorithms: [], key_shares: [], alpn: [], psk_modes: [],
    ec_point_formats: [], record_size_limit: null, delegated_credentials: [], session_id_length: body[38] };
  const end = p + 2 + body.readUInt16BE(p); p += 2;
  while (p < end) {
    const type = body.readUInt16BE(p), len = body.readUInt16BE(p + 2), d = body.subarray(p + 4, p + 4 + len);
    p += 4 + len;
    facts.extensions.push(EXTENSIONS[type] || hex4(type));
    const list16 = (start) => { const out = []; for (let i = start; i < d.length; i += 2) out.push(hex4(d.readUInt16BE(i))); return out; };
    if (type === 43) facts.versions = list16(1);
    else if (type === 10) facts.groups = list16(2);
    else if (type === 13) facts.signature_algorithms = list16(2);
    else if (type === 34) facts.delegated_credentials = list16(2);
    else if (type === 28) facts.record_size_limit = d.readUInt16BE(0);
    else if (type === 11) facts.ec_point_formats = [...d.subarray(1)];
    else if (type === 45) facts.psk_modes = [...d.subarray(1)];
    else if (type === 16) { for (let i = 2; i < d.length; i += 1 + d[i]) facts.alpn.push(d.subarray(i + 1, i + 1 + d[i]).toString()); }
    else if (type === 51) { for (let i = 2; i < d.length; i += 4 + d.readUInt16BE(i + 2)) facts.key_shares.push(hex4(d.readUInt16BE(i))); }
  }
  return facts;
}

// Listens on a free loopback port; `hellos` collects each connection's first record.
export async function helloCatcher() {
  const hellos = [];
  const server = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('error', () => {});
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) { hellos.push(buf); s.destroy(); }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, hellos, close: () => server.close() };
}

export async function firefoxHello(prefs = {}) {
  const { launchFirefox, closeFirefox } = await import('./firefox.mjs');
  const catcher = await helloCatcher();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-hello-'));
  try {
    const browser = await launchFirefox({ profileDir: path.join(dir, 'profile'), home: path.join(dir, 'home'), names: ['site.test'], prefs });
    try {
      const page = await browser.newPage();
      await page.goto(`https://site.test:${catcher.port}/`, { timeout: 15000 }).catch(() => {});
    } finally {
      await closeFirefox(browser);
    }
    if (!catcher.hellos.length) throw new Error('Firefox sent no ClientHello');
    return parseClientHello(catcher.hellos[0]);
  } finally {
    catcher.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function certdoctorHello(prefs = {}) {
  const catcher = await helloCatcher();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-hello-'));
  try {
    execFileSync('certutil', ['-N', '-d', 'sql:' + dir, '--empty-password']);
    // The profile's prefs, where Firefox keeps an administrator's: user.js.
    const lines = Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`);
    fs.writeFileSync(path.join(dir, 'user.js'), lines.join('\n') + '\n');
    await new Promise((resolve) => {
      const p = spawn(CERTDOCTOR, ['diagnose', `https://site.test:${catcher.port}/`, '--resolve', `site.test:${catcher.port}:127.0.0.1`,
        '--profile', dir, '--json'], { stdio: 'ignore' });
      p.on('close', resolve);
    });
    if (!catcher.hellos.length) throw new Error('certdoctor sent no ClientHello');
    return parseClientHello(catcher.hellos[0]);
  } finally {
    catcher.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// What OpenSSL 3.0 cannot send, or sends differently, and why it changes no outcome (see firefox_hello.cpp):
// the post-quantum hybrid group and its key share, the P-256 key share, delegated_credentials,
// compress_certificate, ECH GREASE; renegotiation_info goes as the signalling suite 0x00ff instead of the extension.
// Debian 12's OpenSSL has no 3DES (0x000a, offered by Firefox only with TLS 1.0/1.1 re-enabled): a server that
// speaks nothing else cannot be served here either.
const FIREFOX_ONLY_GROUPS = ['0x11ec'];
const FIREFOX_ONLY_EXTENSIONS = ['delegated_credentials', 'compress_certificate', 'encrypted_client_hello', 'renegotiation_info'];
const OPENSSL_ONLY_SUITES = ['0x00ff'];
const FIREFOX_ONLY_SUITES = ['0x000a'];

// The differences between two hellos' facts that are not in the lists above.
export function helloDifferences(firefox, ours) {
  const out = [];
  const same = (name, a, b) => { if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${name}: Firefox ${JSON.stringify(a)}, certdoctor ${JSON.stringify(b)}`); };
  same('versions', firefox.versions, ours.versions);
  same('cipher suites (in order)', firefox.cipher_suites.filter((x) => !FIREFOX_ONLY_SUITES.includes(x)), ours.cipher_suites.filter((x) => !OPENSSL_ONLY_SUITES.includes(x)));
  same('groups (in order)', firefox.groups.filter((g) => !FIREFOX_ONLY_GROUPS.includes(g)), ours.groups);
  same('signature algorithms (in order)', firefox.signature_algorithms, ours.signature_algorithms);
  same('ALPN', firefox.alpn, ours.alpn);
  same('psk modes', firefox.psk_modes, ours.psk_modes);
  same('record_size_limit', firefox.record_size_limit, ours.record_size_limit);
  const shares = ours.key_shares.filter((k) => !firefox.key_shares.includes(k));
  if (shares.length || !ours.key_shares.length) out.push(`key shares ${JSON.stringify(ours.key_shares)} not among Firefox's ${JSON.stringify(firefox.key_shares)}`);
  same('extensions (as a set)', [...new Set(firefox.extensions.filter((e) => !FIREFOX_ONLY_EXTENSIONS.includes(e)))].sort(), [...new Set(ours.extensions)].sort());
  return out;
}

// The prefs `compare` sets, and what each does to a ClientHello by its meaning (Firefox's pref names: a TLS version
// range, one cipher suite each), written down here rather than taken from a run: TLS 1.0 and 1.1 offered, the
// suites TLS_DHE_RSA_WITH_AES_128_CBC_SHA (0x0033) added, TLS_RSA_WITH_AES_256_CBC_SHA (0x0035) and
// TLS_CHACHA20_POLY1305_SHA256 (0x1303) taken away.
export const PREF_EFFECTS = {
  'security.tls.version.enable-deprecated': { value: true, versions: { added: ['0x0302', '0x0301'] } },
  'security.ssl3.dhe_rsa_aes_128_sha': { value: true, cipher_suites: { added: ['0x0033'] } },
  'security.ssl3.rsa_aes_256_sha': { value: false, cipher_suites: { removed: ['0x0035'] } },
  'security.tls13.chacha20_poly1305_sha256': { value: false, cipher_suites: { removed: ['0x1303'] } },
};

// What the prefs failed to change between `plain` (default prefs) and `withPrefs` (PREF_EFFECTS set): one line per
// pref whose effect is missing from either hello, so a side that ignored the profile's prefs cannot pass.
export function missingPrefEffects(who, plain, withPrefs) {
  const out = [];
  for (const [pref, effect] of Object.entries(PREF_EFFECTS)) {
    for (const field of ['versions', 'cipher_suites']) {
      for (const code of (effect[field] && effect[field].added) || []) {
        if (plain[field].includes(code) || !withPrefs[field].includes(code)) {
          out.push(`${who}: ${pref}=${effect.value} should add ${code} to ${field} (default ${JSON.stringify(plain[field])}, with it ${JSON.stringify(withPrefs[field])})`);
        }
      }
      for (const code of (effect[field] && effect[field].removed) || []) {
        if (!plain[field].includes(code) || withPrefs[field].includes(code)) {
          out.push(`${who}: ${pref}=${effect.value} should take ${code} out of ${field} (default ${JSON.stringify(plain[field])}, with it ${JSON.stringify(withPrefs[field])})`);
        }
      }
    }
  }
  return out;
}

// Firefox's hello and certdoctor's, with the default prefs and with prefs that change the offer. Each pair must agree,
// and the prefs must have changed both hellos the way they are meant to, so the comparison means something.
async function compare() {
  const settings = [{}, Object.fromEntries(Object.entries(PREF_EFFECTS).map(([k, e]) => [k, e.value]))];
  const hellos = [];
  let failed = false;
  for (const prefs of settings) {
    const [firefox, ours] = [await firefoxHello(prefs), await certdoctorHello(prefs)];
    hellos.push({ firefox, ours });
    const diffs = helloDifferences(firefox, ours);
    console.log(`prefs ${JSON.stringify(prefs)}: Firefox offers ${firefox.versions.length} versions, ${firefox.cipher_suites.length} suites; ` +
      (diffs.length ? 'DIFFERENT:\n  ' + diffs.join('\n  ') : 'certdoctor offers the same'));
    failed ||= diffs.length > 0;
  }
  const missing = [...missingPrefEffects('Firefox', hellos[0].firefox, hellos[1].firefox),
    ...missingPrefEffects('certdoctor', hellos[0].ours, hellos[1].ours)];
  if (missing.length) console.log('the prefs did not change the hello as they mean to:\n  ' + missing.join('\n  '));
  else console.log(`each of the ${Object.keys(PREF_EFFECTS).length} prefs changed both hellos as it means to`);
  if (failed || missing.length) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, ...rest] = process.argv.slice(2);
  const prefs = {};
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--pref') { const [k, v] = rest[++i].split('='); prefs[k] = /^-?\d+$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v; }
  }
  if (cmd === 'firefox') console.log(JSON.stringify(await firefoxHello(prefs), null, 1));
  else if (cmd === 'certdoctor') console.log(JSON.stringify(await certdoctorHello(prefs), null, 1));
  else if (cmd === 'compare') await compare();
  else { console.error('usage: client-hello.mjs firefox|certdoctor|compare'); process.exitCode = 2; }
}
