#!/usr/bin/env node
// Ground truth for certdoctor's verdicts, taken from real Firefox ESR.
//
//   node tests/browser/truth.mjs record [--only ID,... | --only-prefix P] [--jobs N]   re-take the truth from Firefox (minutes)
//   node tests/browser/truth.mjs check  [--live N [--seed S]] [--jobs N]  compare `certdoctor diagnose` with it; N cases
//                                       drawn anew each run are re-taken live (the seed is printed; --seed repeats a draw)
//
// A case is a served chain (leaf first, with the leaf's key), a host name, and the certificates the profile stores
// with their trust. Each case gets a fresh profile made with certutil and a real `openssl s_server` on loopback.
// `record` loads the page in headless Firefox and writes Firefox's error (or null) into tests/truth/firefox-truth.json
// together with a hash of the case, so a changed case is never compared with a stale answer. `check` asks
// certdoctor for the same cases (and, with --live N, also asks Firefox again for N of them) and reports every
// disagreement; it fails when certdoctor disagrees with the recorded truth on a case not listed as a known
// difference in tests/truth/known-differences.json.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFirefox, loadVerdict, closeFirefox, firefoxVersion } from './firefox.mjs';
import { englishInGerman } from './german-findings.mjs';
import { reportProblems, runRecordOrCheck } from './harness.mjs';
import { sServer, misbehavingServer } from './servers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TRUTH_DIR = path.join(ROOT, 'tests/truth');
const TRUTH_FILE = path.join(TRUTH_DIR, 'firefox-truth.json');
const KNOWN_FILE = path.join(TRUTH_DIR, 'known-differences.json');
// Some pathological chains keep Firefox's path search busy for minutes: `--load-timeout SECONDS` waits longer.
let LOAD_TIMEOUT_MS = 20000;
const CERTDOCTOR = process.env.CERTDOCTOR_BIN || path.join(ROOT, 'build/bin/certdoctor');

// ---- cases -------------------------------------------------------------------------------------------------------

// Our own cases (tests/truth/cases.json, written by the generator `truth_cases`) and the x509-limbo SERVER cases that
// a real server can present: a key for the leaf and a DNS name to ask for.
export function loadCases() {
  const cases = [];
  const own = path.join(TRUTH_DIR, 'cases.json');
  if (fs.existsSync(own)) cases.push(...JSON.parse(fs.readFileSync(own, 'utf8')).cases);
  // Handshake-level cases (tests/truth/make_handshake_cases.mjs): how the server is run, and the profile's prefs.
  const handshake = path.join(TRUTH_DIR, 'handshake-cases.json');
  if (fs.existsSync(handshake)) cases.push(...JSON.parse(fs.readFileSync(handshake, 'utf8')).cases);
  const limbo = JSON.parse(fs.readFileSync(path.join(TRUTH_DIR, 'corpora/x509-limbo.json'), 'utf8'));
  for (const t of limbo.testcases) {
    if (t.validation_kind !== 'SERVER' || !t.peer_certificate_key) continue;
    if (!t.expected_peer_name || t.expected_peer_name.kind !== 'DNS') continue;
    cases.push({
      id: 'limbo:' + t.id,
      description: t.description.split('\n')[0],
      host: t.expected_peer_name.value,
      chain: [t.peer_certificate, ...t.untrusted_intermediates],
      key: t.peer_certificate_key,
      stored: t.trusted_certs.map((pem, i) => ({ pem, trust: 'C,,', nickname: `limbo root ${i}` })),
    });
  }
  return cases;
}

export function caseHash(c) {
  const parts = [c.host, c.chain, c.key, c.stored, c.overrides || []];
  if (c.server || c.prefs) parts.push(c.server || null, c.prefs || null);  // older cases keep their hashes
  const material = JSON.stringify(parts);
  return crypto.createHash('sha256').update(material).digest('hex').slice(0, 16);
}

// ---- real parts: profile, server ---------------------------------------------------------------------------------

function makeProfile(c, dir) {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('certutil', ['-N', '-d', 'sql:' + dir, '--empty-password']);
  c.stored.forEach((s, i) => {
    const file = path.join(dir, `stored-${i}.pem`);
    fs.writeFileSync(file, s.pem);
    execFileSync('certutil', ['-A', '-d', 'sql:' + dir, '-n', s.nickname, '-t', s.trust, '-i', file]);
    fs.rmSync(file);
  });
}

// Exceptions as Firefox writes them; "PORT" stands for the port the case's server got.
function writeOverrides(c, dir, port) {
  if (!c.overrides || !c.overrides.length) return;
  const lines = ['# PSM Certificate Override Settings file', '# This is a generated file!  Do not edit.'];
  for (const o of c.overrides) {
    lines.push(`${o.host}:${o.port === 'PORT' ? port : o.port}:\tOID.2.16.840.1.101.3.4.2.1\t${o.fingerprint}\t`);
  }
  fs.writeFileSync(path.join(dir, 'cert_override.txt'), lines.join('\n') + '\n');
}

// The case's prefs as Firefox reads them from the profile's user.js.
function writeUserJs(c, dir) {
  if (!c.prefs) return;
  const lines = Object.entries(c.prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`);
  fs.writeFileSync(path.join(dir, 'user.js'), lines.join('\n') + '\n');
}

// Serves the case's chain with `openssl s_server` on a free loopback port (with the case's own arguments when it
// has them), or runs the case's misbehaving server.
async function serve(c, dir) {
  if (c.server && c.server.behaviour) return misbehavingServer(c.server);
  fs.writeFileSync(path.join(dir, 'leaf.pem'), c.chain[0]);
  fs.writeFileSync(path.join(dir, 'rest.pem'), c.chain.slice(1).join(''));
  fs.writeFileSync(path.join(dir, 'leaf.key'), c.key);
  const args = c.server && c.server.args ? [...c.server.args] : ['-cipher', 'DEFAULT:@SECLEVEL=0', '-no_dhe'];
  if (c.chain.length > 1) args.push('-cert_chain', path.join(dir, 'rest.pem'));
  const server = await sServer({ cert: path.join(dir, 'leaf.pem'), key: path.join(dir, 'leaf.key'), args });
  return server.error ? { error: server.error.replace('server refused', 'server refused the case') } : server;
}

// ---- the two judges ------------------------------------------------------------------------------------------------

async function withCase(c, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-truth-'));
  const profile = path.join(dir, 'profile');
  try {
    makeProfile(c, profile);
    const server = await serve(c, dir);
    if (server.error) return { unservable: server.error };
    writeOverrides(c, profile, server.port);
    try {
      return await fn({ dir, profile, port: server.port });
    } finally {
      server.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function firefoxJudge(c) {
  return withCase(c, async ({ dir, profile, port }) => {
    // Puppeteer writes the profile's user.js itself: the case's prefs go in with its own.
    const browser = await launchFirefox({ profileDir: profile, home: path.join(dir, 'home'), names: [c.host], prefs: c.prefs || {} });
    try {
      return await loadVerdict(browser, `https://${c.host}:${port}/`, LOAD_TIMEOUT_MS);
    } finally {
      await closeFirefox(browser);
    }
  });
}

// Rendered text that still holds a placeholder: "{name}", or the "?" a missing value renders as.
const LEFTOVER = /\{[a-z_]+(\|sh)?\}|'\?'|(^|\s)\?(\s|$|[.,;:)])/;

export function unfilledTexts(diagnosis) {
  const out = [];
  for (const f of diagnosis.findings || []) {
    for (const key of ['title', 'explanation', 'cause', 'fix']) {
      if (LEFTOVER.test(f[key] || '')) out.push(`${f.code}.${key}: ${f[key]}`);
    }
  }
  return out;
}

// `reported`: the code Firefox showed, passed as --reported-error so that its explanation is rendered too.
export async function certdoctorJudge(c, { reported } = {}) {
  return withCase(c, async ({ profile, port }) => {
    writeUserJs(c, profile);
    const args = ['diagnose', `https://${c.host}:${port}/`, '--profile', profile, '--resolve', `${c.host}:${port}:127.0.0.1`, '--json'];
    if (reported) args.push('--reported-error', reported);
    const out = await new Promise((resolve) => {
      const p = spawn(CERTDOCTOR, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => { stderr += '(killed after 60 s)'; p.kill('SIGKILL'); }, 60000);
      p.on('close', () => clearTimeout(timer));
      let stdout = '', stderr = '';
      p.stdout.on('data', (d) => { stdout += d; });
      p.stderr.on('data', (d) => { stderr += d; });
      p.on('close', (code, signal) => resolve({ code: signal ? signal : code, stdout, stderr }));
    });
    if (out.code !== 0) return { failed: `exit ${out.code}: ${out.stderr.trim()}` };
    let j;
    try { j = JSON.parse(out.stdout); } catch { return { failed: 'no JSON on stdout: ' + out.stderr.trim().slice(0, 300) }; }
    return { error: j.firefox_error === undefined ? 'absent' : j.firefox_error, unfilled: unfilledTexts(j), diagnosis: j };
  });
}

// ---- running many cases --------------------------------------------------------------------------------------------

async function pool(items, jobs, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(jobs, items.length) }, async () => {
    while (next < items.length) { const i = next++; await fn(items[i], i); }
  });
  await Promise.all(workers);
}

function parseArgs(argv) {
  const o = { cmd: argv[0], only: null, onlyPrefix: null, jobs: 2, live: 0, seed: null };
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--only') o.only = new Set(argv[++i].split(','));
    else if (argv[i] === '--only-prefix') o.onlyPrefix = argv[++i];
    else if (argv[i] === '--jobs') o.jobs = Number(argv[++i]);
    else if (argv[i] === '--live') o.live = Number(argv[++i]);
    else if (argv[i] === '--seed') o.seed = Number(argv[++i]);
    else if (argv[i] === '--load-timeout') LOAD_TIMEOUT_MS = 1000 * Number(argv[++i]);
    else throw new Error('unknown argument ' + argv[i]);
  }
  return o;
}

// A small seeded generator (mulberry32): the same seed draws the same live cases again.
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// `n` cases drawn with `random` from `cases` (each at most once): the first from those Firefox refused (so every run
// re-takes at least one error live), the rest from all of them.
export function drawLive(cases, truth, n, random) {
  const pool = [...cases];
  const take = (from) => {
    const c = from[Math.floor(random() * from.length)];
    pool.splice(pool.indexOf(c), 1);
    return c;
  };
  const out = [];
  const refused = pool.filter((c) => truth.cases[c.id].error !== null);
  if (n > 0 && refused.length) out.push(take(refused));
  while (out.length < n && pool.length) out.push(take(pool));
  return out;
}

// --only ID,... and --only-prefix PREFIX (e.g. hs: for the handshake cases) pick a subset.
function selected(opts) {
  return loadCases().filter((c) => (!opts.only || opts.only.has(c.id)) && (!opts.onlyPrefix || c.id.startsWith(opts.onlyPrefix)));
}

function readTruth() {
  return fs.existsSync(TRUTH_FILE) ? JSON.parse(fs.readFileSync(TRUTH_FILE, 'utf8')) : { cases: {} };
}

async function record(opts) {
  const cases = selected(opts);
  const truth = readTruth();
  truth.firefox = firefoxVersion();
  truth.command = 'node tests/browser/truth.mjs record';
  truth.note = 'Recorded from real Firefox by the command above; never edit by hand.';
  let done = 0;
  await pool(cases, opts.jobs, async (c) => {
    const v = await firefoxJudge(c);
    truth.cases[c.id] = v.unservable ? { unservable: v.unservable, hash: caseHash(c) } : { error: v.error, hash: caseHash(c) };
    process.stderr.write(`[${++done}/${cases.length}] ${c.id}: ${v.unservable ? 'unservable' : v.error}\n`);
  });
  truth.cases = Object.fromEntries(Object.entries(truth.cases).sort(([a], [b]) => a.localeCompare(b)));
  fs.writeFileSync(TRUTH_FILE, JSON.stringify(truth, null, 1) + '\n');
}

// Pairs of recorded cases: x stores exactly one certificate more than y (same host, chain and exceptions), Firefox
// refuses x, and its recorded verdicts differ: { x, removed (the stored entry), after (Firefox's verdict for y) }.
export function removalPairs(cases, truth) {
  // The same site: the same host, chain and key, served the same way (the handshake cases vary the server's TLS
  // settings and the profile's prefs over one chain; a removal is compared only within one of them).
  const site = (c) => JSON.stringify([c.host, c.chain, c.key, c.overrides || [], c.server || null, c.prefs || null]);
  const entry = (s) => `${s.trust}|${s.pem}`;
  const recorded = (c) => {
    const t = truth.cases[c.id];
    return t && !t.unservable && t.hash === caseHash(c) ? t : null;
  };
  const pairs = [];
  for (const x of cases) {
    for (const y of cases) {
      if (x === y || site(x) !== site(y) || x.stored.length !== y.stored.length + 1) continue;
      const kept = new Set(y.stored.map(entry));
      const extra = x.stored.filter((s) => !kept.has(entry(s)));
      const tx = recorded(x), ty = recorded(y);
      // Only where x fails: a certificate that makes the page load (its trusted root) is no culprit.
      if (extra.length !== 1 || !tx || !ty || tx.error === null || tx.error === ty.error) continue;
      pairs.push({ x, removed: extra[0], after: ty.error });
    }
  }
  return pairs;
}

async function check(opts) {
  const truth = readTruth();
  const known = fs.existsSync(KNOWN_FILE) ? JSON.parse(fs.readFileSync(KNOWN_FILE, 'utf8')) : {};
  const cases = selected(opts);
  const rows = [];
  const problems = [];
  const diagnoses = new Map();
  await pool(cases, opts.jobs, async (c) => {
    const t = truth.cases[c.id];
    if (!t) { problems.push(`${c.id}: no recorded truth (run: node tests/browser/truth.mjs record --only ${c.id})`); return; }
    if (t.hash !== caseHash(c)) { problems.push(`${c.id}: the case changed since its truth was recorded; record it again`); return; }
    if (t.unservable) { rows.push({ id: c.id, skipped: t.unservable }); return; }
    // With the code Firefox showed as the reported one: every finding of every case is rendered and checked.
    const v = await certdoctorJudge(c, { reported: t.error });
    for (const u of v.unfilled || []) problems.push(`${c.id}: a finding holds an unfilled placeholder: ${u}`);
    const ours = v.failed ? 'FAILED ' + v.failed : v.unservable ? 'UNSERVABLE' : v.error;
    rows.push({ id: c.id, firefox: t.error, certdoctor: ours, agree: ours === t.error });
    diagnoses.set(c.id, v.diagnosis);
    // Every finding as a German user's extension shows it: words of its own, and no English from the host.
    if (v.diagnosis) for (const e of englishInGerman(v.diagnosis)) problems.push(`${c.id}: in German, ${e}`);
  });
  // What removing a stored certificate changes, against Firefox: where a recorded case holds one stored certificate
  // more than another recorded case (same host and chain) and Firefox's verdicts differ, certdoctor must name that
  // certificate among the conflicts and predict, for its removal, the verdict Firefox gave the case without it.
  const removals = removalPairs(cases, truth);
  for (const { x, removed, after } of removals) {
    const d = diagnoses.get(x.id);
    if (!d) continue;
    const sha256 = crypto.createHash('sha256').update(new crypto.X509Certificate(removed.pem).raw).digest('hex');
    const named = (d.conflicts || []).find((k) => k.sha256 === sha256);
    if (!named) { problems.push(`${x.id}: '${removed.nickname}' (${removed.trust}) breaks the site but is not among the conflicts`); continue; }
    const predicted = named.removal ? named.removal.firefox_error : 'absent';
    if (predicted !== after) {
      problems.push(`${x.id}: removing '${removed.nickname}' gives ${after} in Firefox, certdoctor predicts ${predicted}`);
    }
  }
  // A handful of cases are re-taken live from Firefox, so the recorded truth is checked against the browser too.
  // Drawn anew each run (the seed is printed; --seed S draws the same cases again).
  let liveCases = [];
  if (opts.live > 0) {
    const seed = Number.isInteger(opts.seed) ? opts.seed : crypto.randomInt(2 ** 31);
    const pick = [...cases].filter((c) => truth.cases[c.id] && !truth.cases[c.id].unservable && !known[c.id]);
    liveCases = drawLive(pick, truth, opts.live, seededRandom(seed));
    console.log(`live cases (seed ${seed}; again with --seed ${seed}): ${liveCases.map((c) => c.id).join(', ')}`);
    await pool(liveCases, 1, async (c) => {
      const v = await firefoxJudge(c);
      const t = truth.cases[c.id].error;
      if (v.error !== t) problems.push(`${c.id}: live Firefox says ${v.error}, recorded truth says ${t}`);
      process.stderr.write(`live ${c.id}: ${v.error}\n`);
    });
  }
  const compared = rows.filter((r) => !r.skipped);
  const agree = compared.filter((r) => r.agree).length;
  for (const r of compared.filter((r) => !r.agree).sort((a, b) => a.id.localeCompare(b.id))) {
    const why = known[r.id];
    console.log(`${why ? 'known ' : 'DIFFERS'} ${r.id}: firefox=${r.firefox} certdoctor=${r.certdoctor}${why ? ' — ' + why : ''}`);
    if (!why) problems.push(`${r.id}: certdoctor says ${r.certdoctor}, Firefox says ${r.firefox}`);
  }
  console.log(`agreement: ${agree}/${compared.length} cases (${rows.length - compared.length} not servable), ` +
    `${liveCases.length} re-taken live, ${removals.length} removals compared with the case without the certificate`);
  reportProblems(problems);
}

await runRecordOrCheck(parseArgs(process.argv.slice(2)), { record, check },
  'usage: truth.mjs record|check [--only ID,...] [--jobs N] [--live N [--seed S]]');
