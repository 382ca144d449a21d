#!/usr/bin/env node
// Ground truth for twins, taken from real Firefox ESR: sequences of visits in one Firefox session.
//
//   node tests/browser/truth-sequences.mjs record [--runs N] [--only ID,...]   N more runs (fresh keys each) from Firefox
//   node tests/browser/truth-sequences.mjs check  [--only ID,...]             certdoctor against every recorded visit
//
// A case is a few loopback servers whose certificates share one issuer and serial (twins), a profile (a trusted CA,
// a stored certificate, an exception), and visits in order in ONE Firefox session: each visit in a new tab with the
// earlier tabs left open, or in the same tab as the visit before. Firefox's answer is recorded per visit: null when
// the page loads, else the error's name, and whether its error page offers the bypass ("Advanced", then "Proceed to
// HOST (Risky)", read after the error card has rendered). Each run makes new keys and certificates; the runs are
// kept side by side in tests/truth/sequences.json, with the material of each (certificates, keys, profile contents),
// so that `check` can serve exactly what Firefox saw.
//
// `check` asks certdoctor for every visit the way the extension asks: `--reported-error` set to what Firefox showed,
// `--compare` set to the other tabs open at that moment. certdoctor must agree with the recording on the error and,
// for an error, on whether the page offers the bypass (tests/truth/sequences-known.json lists the visits where it
// cannot, with the reason). It also checks that certdoctor states the measured frequency of the rare collisions
// (twins not accepted through a trust anchor) as the recorded runs give it. Cases that differ between runs are
// reported as such.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firefoxVersion } from './firefox.mjs';
import { launchMarionette } from './marionette.mjs';
import { makeCa, issueSerialOne } from './pki.mjs';
import { reportProblems, runRecordOrCheck } from './harness.mjs';
import { sServer } from './servers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA_FILE = path.join(ROOT, 'tests/truth/sequences.json');
const KNOWN_FILE = path.join(ROOT, 'tests/truth/sequences-known.json');
const CERTDOCTOR = process.env.CERTDOCTOR_BIN || path.join(ROOT, 'build/bin/certdoctor');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// ---- the cases -------------------------------------------------------------------------------------------------
// kind: 'ca' (an internal CA issued every site serial 01; `trusted`: the profile trusts it) or 'self' (self-signed
// factory twins: one subject and issuer name, serial 01, a key each). `by`: 'ip' (every site is 127.0.0.1 on a port
// of its own, as devices usually are reached) or 'name' (a.test, b.test resolved to loopback). `stored`: the sites
// whose certificate the profile stores (without trust, as an old import left it); `exception`: the sites with an
// exception in cert_override.txt. Visits: a site, in a new tab unless `same: true` (typed into the tab before).
export const CASES = [
  { id: 'ca-trusted:a-b', description: 'twins under a trusted CA, A then B', kind: 'ca', trusted: true, by: 'ip',
    visits: [{ site: 'a' }, { site: 'b' }] },
  { id: 'ca-trusted:b-a', description: 'twins under a trusted CA, B then A', kind: 'ca', trusted: true, by: 'ip',
    visits: [{ site: 'b' }, { site: 'a' }] },
  { id: 'ca-trusted:a-b-a', description: 'twins under a trusted CA, A, B, A', kind: 'ca', trusted: true, by: 'ip',
    visits: [{ site: 'a' }, { site: 'b' }, { site: 'a' }] },
  { id: 'self-signed:by-name', description: 'self-signed factory twins reached by name, A then B', kind: 'self', by: 'name',
    visits: [{ site: 'a' }, { site: 'b' }] },
  { id: 'self-signed:by-ip', description: 'self-signed factory twins reached by IP, A then B', kind: 'self', by: 'ip',
    visits: [{ site: 'a' }, { site: 'b' }] },
  { id: 'ca-untrusted:a-b', description: 'twins under a CA the profile does not trust, A then B', kind: 'ca', trusted: false,
    by: 'ip', visits: [{ site: 'a' }, { site: 'b' }] },
  { id: 'exception:a-b', description: 'self-signed twins, A loads through its stored exception, then B', kind: 'self',
    by: 'ip', exception: ['a'], visits: [{ site: 'a' }, { site: 'b' }] },
  { id: 'exception-ca:a-b', description: 'twins under an untrusted CA, A loads through its stored exception, then B',
    kind: 'ca', trusted: false, by: 'ip', exception: ['a'], visits: [{ site: 'a' }, { site: 'b' }] },
  { id: 'stored:b', description: 'self-signed twins, the profile stores A\'s certificate, B is visited', kind: 'self',
    by: 'ip', stored: ['a'], visits: [{ site: 'b' }, { site: 'a' }] },
  { id: 'stored-ca:b', description: 'twins under a trusted CA, the profile stores A\'s certificate, B is visited',
    kind: 'ca', trusted: true, by: 'ip', stored: ['a'], visits: [{ site: 'b' }, { site: 'a' }] },
  { id: 'same-tab:a-b', description: 'self-signed twins, B typed into the tab that shows A\'s error page', kind: 'self',
    by: 'ip', visits: [{ site: 'a' }, { site: 'b', same: true }] },
  { id: 'same-tab-ca:a-b', description: 'twins under a trusted CA, B typed into the tab that shows A', kind: 'ca',
    trusted: true, by: 'ip', visits: [{ site: 'a' }, { site: 'b', same: true }] },
];

const hostOf = (c, site) => (c.by === 'name' ? `${site}.test` : '127.0.0.1');

// The certificates, keys and profile contents of one run of `c`, made fresh (PEM text, so that they are recorded).
function makeMaterial(c, dir) {
  const sites = [...new Set([...c.visits.map((v) => v.site), ...(c.stored || []), ...(c.exception || [])])].sort();
  const material = { sites: {}, stored: [] };
  const read = (f) => fs.readFileSync(f, 'utf8');
  if (c.kind === 'ca') {
    makeCa(dir, 'Twins Sequence CA', { serial: '7f01' });
    if (c.trusted) material.stored.push({ pem: read(path.join(dir, 'ca.pem')), trust: 'C,,', nickname: 'Twins Sequence CA' });
    for (const s of sites) {
      const san = c.by === 'name' ? `DNS:${hostOf(c, s)}` : 'IP:127.0.0.1';
      const made = issueSerialOne(dir, s, { subject: `/CN=device-${s}`, san });
      material.sites[s] = { host: hostOf(c, s), pem: read(made.pem), key: read(made.key) };
    }
  } else {
    // One factory identity: the same subject (= issuer) name and serial on every device, a key of its own each.
    for (const s of sites) {
      const san = c.by === 'name' ? `DNS:${hostOf(c, s)}` : 'IP:127.0.0.1';
      const key = path.join(dir, `${s}.key`), pem = path.join(dir, `${s}.pem`);
      run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', pem, '-days', '30',
        '-set_serial', '1', '-subj', '/O=Example Devices/CN=Device Factory Certificate', '-addext', `subjectAltName=${san}`]);
      material.sites[s] = { host: hostOf(c, s), pem: read(pem), key: read(key) };
    }
  }
  for (const s of c.stored || []) material.stored.push({ pem: material.sites[s].pem, trust: ',,', nickname: `device ${s}` });
  return material;
}

// ---- the setup of one run: profile, servers, exceptions ---------------------------------------------------------

function makeProfile(material, dir) {
  const profile = path.join(dir, 'profile');
  fs.mkdirSync(profile, { recursive: true });
  run('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
  material.stored.forEach((s, i) => {
    const file = path.join(dir, `stored-${i}.pem`);
    fs.writeFileSync(file, s.pem);
    run('certutil', ['-A', '-d', `sql:${profile}`, '-n', s.nickname, '-t', s.trust, '-i', file]);
  });
  return profile;
}

const fingerprint = (pem) => new crypto.X509Certificate(pem).fingerprint256;

// Starts one server per site; exceptions are written for the ports they got, as Firefox writes them.
async function serveAll(c, material, dir, profile) {
  const servers = {};
  try {
    for (const [s, m] of Object.entries(material.sites)) {
      fs.writeFileSync(path.join(dir, `${s}-served.pem`), m.pem);
      fs.writeFileSync(path.join(dir, `${s}-served.key`), m.key);
      const server = await sServer({ cert: path.join(dir, `${s}-served.pem`), key: path.join(dir, `${s}-served.key`), args: ['-no_tls1_3'] });
      if (server.error) throw new Error(`${c.id}: site ${s}: ${server.error}`);
      servers[s] = { ...server, host: m.host, url: server.url(m.host) };
    }
  } catch (e) {
    for (const s of Object.values(servers)) s.stop();
    throw e;
  }
  const lines = (c.exception || []).map((s) =>
    `${material.sites[s].host}:${servers[s].port}:\tOID.2.16.840.1.101.3.4.2.1\t${fingerprint(material.sites[s].pem)}\t`);
  if (lines.length) {
    fs.writeFileSync(path.join(profile, 'cert_override.txt'),
      ['# PSM Certificate Override Settings file', '# This is a generated file!  Do not edit.', ...lines].join('\n') + '\n');
  }
  return servers;
}

async function withRun(c, material, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-sequences-'));
  try {
    const profile = makeProfile(material, dir);
    const servers = await serveAll(c, material, dir, profile);
    try {
      return await fn({ dir, profile, servers });
    } finally {
      for (const s of Object.values(servers)) s.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- Firefox's answer for one visit -----------------------------------------------------------------------------

// The error page's state once it has rendered: the error's name and whether "Proceed to … (Risky)" is offered
// after pressing "Advanced". null while the page is still being built.
function readErrorPage() {
  const find = (root, test) => {
    for (const el of root.querySelectorAll('*')) {
      if (test(el)) return el;
      if (el.shadowRoot) { const f = find(el.shadowRoot, test); if (f) return f; }
    }
    return null;
  };
  const uri = document.documentURI;
  // The site's own page (its address, with a title once parsed); anything else (about:blank) is not there yet.
  if (/^https:/.test(uri)) return { loaded: document.readyState === 'complete', uri, title: document.title };
  if (!/^about:(certerror|neterror)/.test(uri)) return { uri };
  let code = null;
  try { code = document.getFailedCertSecurityInfo().errorCodeString; } catch { /* not a certificate error */ }
  const visible = (el) => el && !el.hidden && el.getBoundingClientRect().width > 0;
  const advanced = find(document, (el) => el.id === 'advanced-button');
  const proceed = find(document, (el) => el.id === 'exception-button' ||
    /^Proceed to .* \(Risky\)$/.test((el.getAttribute && el.getAttribute('label')) || ''));
  // The page's text, that of its web components' shadow roots included.
  const texts = [];
  const collect = (root) => {
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { texts.push(el.shadowRoot.textContent); collect(el.shadowRoot); }
  };
  collect(document);
  const text = [(document.body && document.body.textContent) || '', ...texts].join(' ').replace(/\s+/g, ' ');
  const card = find(document, (el) => el.tagName === 'NET-ERROR-CARD');
  const rendered = card ? !!(card.shadowRoot && card.shadowRoot.textContent.trim()) : text.trim().length > 0;
  if (!code) { const m = /\b((?:SEC|SSL|MOZILLA_PKIX)_ERROR_[A-Z0-9_]+)\b/.exec(uri + ' ' + text); if (m) code = m[1]; }
  return { uri, code, rendered, advanced: visible(advanced) ? (advanced.textContent || advanced.getAttribute('label') || '').trim() : null,
    proceed: visible(proceed) ? (proceed.textContent || proceed.getAttribute('label') || '').trim() : null, text: text.slice(0, 300) };
}

function pressAdvanced() {
  const find = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.id === 'advanced-button') return el;
      if (el.shadowRoot) { const f = find(el.shadowRoot); if (f) return f; }
    }
    return null;
  };
  const b = find(document);
  if (b) b.click();
  return !!b;
}

async function poll(fn, { tries = 300, every = 100 } = {}) {
  let last;
  for (let i = 0; i < tries; i++) {
    last = await fn();
    if (last && last.done) return last;
    await sleep(every);
  }
  return last;
}

// One visit: in a new tab (selected, earlier tabs left open) or in the selected one. Returns
// { answer: null | NAME, bypass: bool | null }.
async function visit(session, url, { same }) {
  if (!same) {
    await session.setContext('content');
    const before = new Set(await session.send('WebDriver:GetWindowHandles'));
    await session.chrome(() => {
      gBrowser.selectedTab = gBrowser.addTab('about:blank', { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });
    });
    await session.setContext('content');
    const added = await poll(async () => {
      const now = (await session.send('WebDriver:GetWindowHandles')).filter((h) => !before.has(h));
      return now.length ? { done: true, handle: now[0] } : null;
    });
    if (!added || !added.done) throw new Error('the new tab did not appear');
    await session.send('WebDriver:SwitchToWindow', { handle: added.handle, focus: true });
  }
  const navigated = await session.navigate(url);
  // The page: loaded, or an error page read once its card has rendered (it replaces the first markup later).
  const first = await poll(async () => {
    const p = await session.content(readErrorPage).catch(() => null);
    return p && (p.loaded || (p.rendered && p.code && (p.advanced !== null || /neterror/.test(p.uri)))) ? { ...p, done: true } : p;
  });
  if (!first || !first.done) throw new Error(`${url}: the page did not settle: ${JSON.stringify(first)} (${navigated})`);
  if (first.loaded) {
    // The page that loaded is the site's: its address, and the status page s_server serves.
    if (first.uri !== url) throw new Error(`${url}: another page loaded: ${first.uri}`);
    return { answer: null, bypass: null };
  }
  let bypass = false;
  if (first.advanced !== null) {
    await session.content(pressAdvanced);
    const after = await poll(async () => {
      const p = await session.content(readErrorPage).catch(() => null);
      return p && p.proceed ? { ...p, done: true } : p;
    }, { tries: 30 });
    bypass = !!(after && after.done && /^Proceed to .* \(Risky\)$/.test(after.proceed));
  }
  return { answer: first.code, bypass };
}

async function recordOne(c) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-sequences-make-'));
  let material;
  try { material = makeMaterial(c, dir); } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  const visits = await withRun(c, material, async ({ dir: runDir, profile, servers }) => {
    const names = Object.values(material.sites).map((m) => m.host).filter((h) => h !== '127.0.0.1');
    const session = await launchMarionette({ profileDir: profile, home: path.join(runDir, 'home'), names });
    try {
      const out = [];
      for (const v of c.visits) {
        const got = await visit(session, servers[v.site].url, { same: !!v.same });
        out.push({ site: v.site, tab: v.same ? 'same' : 'new', ...got });
      }
      return out;
    } finally {
      await session.close();
    }
  });
  return { material, visits };
}

// ---- certdoctor's answer for one visit ----------------------------------------------------------------------------

function certdoctor(args) {
  return new Promise((resolve) => {
    const p = spawn(CERTDOCTOR, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    const timer = setTimeout(() => { stderr += '(killed after 60 s)'; p.kill('SIGKILL'); }, 60000);
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code, signal) => { clearTimeout(timer); resolve({ code: signal || code, stdout, stderr }); });
  });
}

// The tabs open at each visit: every earlier visit's site in a tab of its own, a same-tab visit replacing the one before.
export function openTabsAt(visits) {
  const tabs = [];
  return visits.map((v) => {
    if (v.tab === 'same' && tabs.length) tabs.pop();
    const others = [...new Set(tabs.filter((s) => s !== v.site))];
    tabs.push(v.site);
    return others;
  });
}

// ---- the recorded runs ------------------------------------------------------------------------------------------

function readData() {
  return fs.existsSync(DATA_FILE) ? JSON.parse(fs.readFileSync(DATA_FILE, 'utf8')) : { runs: [] };
}

// The rare collision, as recorded: visits to a twin whose twin was visited before in the session and was not
// accepted through a trust anchor (self-signed, untrusted CA, an exception; nothing stored), and how many of them
// Firefox refused with the reused serial.
export function untrustedTwinFrequency(data) {
  let refused = 0, visits = 0;
  for (const r of data.runs) {
    for (const [id, got] of Object.entries(r.cases)) {
      const c = CASES.find((k) => k.id === id);
      if (!c || (c.kind === 'ca' && c.trusted) || (c.stored || []).length) continue;
      got.visits.forEach((v, i) => {
        if (!got.visits.slice(0, i).some((w) => w.site !== v.site)) return;
        visits++;
        if (v.answer === 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL') refused++;
      });
    }
  }
  return { refused, visits };
}

// Per case, the visits whose answers differ between runs.
function differingCases(data) {
  const out = {};
  for (const c of CASES) {
    const seen = data.runs.map((r) => r.cases[c.id]).filter(Boolean);
    if (seen.length < 2) continue;
    const key = (g) => JSON.stringify(g.visits.map((v) => [v.site, v.tab, v.answer, v.bypass]));
    const kinds = new Set(seen.map(key));
    if (kinds.size > 1) out[c.id] = [...kinds];
  }
  return out;
}

function parseArgs(argv) {
  const o = { cmd: argv[0], only: null, runs: 1 };
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--only') o.only = new Set(argv[++i].split(','));
    else if (argv[i] === '--runs') o.runs = Number(argv[++i]);
    else throw new Error('unknown argument ' + argv[i]);
  }
  return o;
}

async function record(opts) {
  const data = readData();
  data.firefox = firefoxVersion();
  data.command = 'node tests/browser/truth-sequences.mjs record';
  data.note = 'Recorded from real Firefox by the command above (one run per entry of runs, fresh keys each); never edit by hand.';
  for (let n = 0; n < opts.runs; n++) {
    const entry = { recorded: new Date().toISOString().slice(0, 10), cases: {} };
    data.runs.push(entry);
    for (const c of CASES.filter((k) => !opts.only || opts.only.has(k.id))) {
      const got = await recordOne(c);
      entry.cases[c.id] = got;
      fs.writeFileSync(DATA_FILE, JSON.stringify(data, null, 1) + '\n');  // kept case by case: a run cut short keeps its cases
      process.stderr.write(`run ${data.runs.length} ${c.id}: ${got.visits.map((v) => `${v.site}${v.tab === 'same' ? '(same tab)' : ''}=${v.answer || 'loads'}${v.answer ? (v.bypass ? '+bypass' : '-bypass') : ''}`).join(' ')}\n`);
    }
  }
  const differing = differingCases(data);
  for (const [id, kinds] of Object.entries(differing)) console.log(`DIFFERS BETWEEN RUNS ${id}: ${kinds.join(' / ')}`);
  console.log(`untrusted twins refused: ${JSON.stringify(untrustedTwinFrequency(data))}`);
}

async function check(opts) {
  const data = readData();
  const known = fs.existsSync(KNOWN_FILE) ? JSON.parse(fs.readFileSync(KNOWN_FILE, 'utf8')) : {};
  const frequency = untrustedTwinFrequency(data);
  const problems = [];
  let compared = 0, agree = 0, knownCount = 0;
  // certdoctor's prediction for each compared twin, against what Firefox then showed for the visit.
  const predictions = { refused: { visits: 0, refused: 0 }, may_be_refused: { visits: 0, refused: 0 } };
  for (const c of CASES.filter((k) => !opts.only || opts.only.has(k.id))) {
    const recorded = data.runs.map((r, i) => ({ run: i + 1, got: r.cases[c.id] })).filter((r) => r.got);
    if (recorded.length < 2) problems.push(`${c.id}: recorded ${recorded.length} time(s), at least 2 are needed (truth-sequences.mjs record --only ${c.id})`);
    for (const { run: runNo, got } of recorded) {
      const open = openTabsAt(got.visits);
      await withRun(c, got.material, async ({ profile, servers }) => {
        for (let i = 0; i < got.visits.length; i++) {
          const v = got.visits[i];
          const s = servers[v.site];
          const args = ['diagnose', s.url, '--profile', profile, '--json'];
          for (const x of Object.values(servers)) if (x.host !== '127.0.0.1') args.push('--resolve', `${x.host}:${x.port}:127.0.0.1`);
          if (v.answer) args.push('--reported-error', v.answer);
          for (const o of open[i]) args.push('--compare', servers[o].url);
          const out = await certdoctor(args);
          const where = `${c.id} run ${runNo} visit ${i + 1} (${v.site}${v.tab === 'same' ? ', same tab' : ''})`;
          if (out.code !== 0) { problems.push(`${where}: certdoctor exit ${out.code}: ${out.stderr.trim().slice(0, 300)}`); continue; }
          const d = JSON.parse(out.stdout);
          const error = d.firefox_error === undefined ? 'absent' : d.firefox_error;
          const overridable = error ? (d.overridable === undefined ? 'absent' : d.overridable) : null;
          const mismatch = [];
          if (error !== v.answer) mismatch.push(`error: Firefox ${v.answer}, certdoctor ${error}`);
          if (v.answer && overridable !== v.bypass) mismatch.push(`bypass: Firefox ${v.bypass}, certdoctor ${overridable}`);
          // Where certdoctor names a twin that Firefox did not accept through a trust anchor, it gives the frequency
          // the recorded runs measured.
          const twin = (d.findings || []).find((f) => f.code === 'shared_identity');
          if (twin && (twin.values.refused !== frequency.refused || twin.values.visits !== frequency.visits)) {
            mismatch.push(`frequency: recorded ${frequency.refused} of ${frequency.visits}, certdoctor ${twin.values.refused} of ${twin.values.visits}`);
          }
          const predicted = (d.compared || []).map((x) => x.prediction).filter(Boolean);
          const p = predicted.includes('refused') ? 'refused' : predicted.length ? 'may_be_refused' : null;
          // Only visits the extension asks about (the page did not load): one that loads holds the identity itself.
          if (p && v.answer) {
            predictions[p].visits++;
            if (v.answer === 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL') predictions[p].refused++;
            // "refused" is a promise: Firefox refused every such visit recorded.
            if (p === 'refused' && v.answer !== 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL') {
              mismatch.push(`prediction: certdoctor says refused, Firefox showed ${v.answer}`);
            }
          }
          compared++;
          const key = `${c.id} visit ${i + 1}`;
          if (!mismatch.length) { agree++; continue; }
          if (known[key]) { knownCount++; console.log(`known ${where}: ${mismatch.join('; ')} — ${known[key]}`); continue; }
          problems.push(`${where}: ${mismatch.join('; ')}`);
        }
      });
    }
  }
  const differing = differingCases(data);
  for (const [id, kinds] of Object.entries(differing)) console.log(`differs between runs ${id}: ${kinds.join(' / ')}`);
  console.log(`sequence agreement: ${agree}/${compared} visits (${knownCount} known differences), ${data.runs.length} runs, ` +
    `untrusted twins refused in ${frequency.refused} of ${frequency.visits} recorded visits; with a twin predicted ` +
    `"refused": ${predictions.refused.refused} of ${predictions.refused.visits} visits refused, "may be refused": ` +
    `${predictions.may_be_refused.refused} of ${predictions.may_be_refused.visits}`);
  reportProblems(problems);
}

await runRecordOrCheck(parseArgs(process.argv.slice(2)), { record, check },
  'usage: truth-sequences.mjs record [--runs N] [--only ID,...] | check [--only ID,...]');
