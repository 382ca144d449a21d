#!/usr/bin/env node
// The audit's HTML report in real Firefox ESR (headless): the real CLI writes it from the scanners' fixtures,
// Firefox opens the file, and the test checks what a reader sees: three charts drawn (collision groups with one
// bar per group, verdicts, the expiry timeline), the groups with their `certdoctor reissue` commands, every
// endpoint, and not one request beyond the file itself (the report is self-contained). What it shows is compared with
// what the fixtures were made to hold (below), never with the same run's JSON. The screenshot goes to
// artifacts/audit/report.png (look at it).
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchFirefox, closeFirefox } from './firefox.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CERTDOCTOR = process.env.CERTDOCTOR_BIN || path.join(ROOT, 'build/bin/certdoctor');
const DATA = path.join(ROOT, 'tests/data/audit');
const ARTIFACTS = path.join(ROOT, 'artifacts/audit');

// What the three fixtures hold, written down from how they were made, not from certdoctor's output: the nmap file's
// own header (nmap 7.93 --script ssl-cert against three openssl s_server on 127.0.0.1 serving twin1.pem, unique.pem
// and twin2.pem; the certificates it recorded are those files), and make-schema-fixtures.py for zgrab2 and sslyze.
// Each endpoint with the certificate file it served (192.0.2.20 twice: a switch seen before and after it re-made its
// certificate).
const SERVED = [
  ['127.0.0.1:46725', 'twin1.pem'], ['127.0.0.1:48815', 'twin2.pem'], ['127.0.0.1:47137', 'unique.pem'],
  ['192.0.2.10:443', 'twin1.pem'], ['192.0.2.11:443', 'twin2.pem'], ['[2001:db8::12]:8443', 'unique.pem'],
  ['192.0.2.20:443', 'ios-before.pem'], ['192.0.2.20:443', 'ios-after.pem'],
  ['192.0.2.30:443', 'printable-name.pem'], ['192.0.2.31:443', 'utf8-name.pem'],
  ['192.0.2.50:443', 'nas-1.pem'], ['192.0.2.51:443', 'nas-2.pem'],
];
const UNREACHED = ['192.0.2.40:443', '192.0.2.52:443'];  // zgrab2's timeout, sslyze's ERROR_NO_CONNECTIVITY
// The collision groups the certificates were made to form (same issuer and serial, other certificate). The two
// "Printable Twin" certificates print alike but their issuer names differ as bytes: no group.
const GROUPS = [
  { issuer: /CN=iDRAC default certificate/, serial: '01', files: ['twin1.pem', 'twin2.pem'] },
  { issuer: /CN=IOS-Self-Signed-Certificate-2871539206/, serial: '01', files: ['ios-before.pem', 'ios-after.pem'] },
  { issuer: /CN=Example Internal CA/, serial: '10', files: ['nas-1.pem', 'nas-2.pem'] },
];
// What Firefox shows for each with no trust given (the built-in roots only): a self-signed certificate
// MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT, the NAS certificates (issued by an internal CA nobody trusts)
// SEC_ERROR_UNKNOWN_ISSUER; every reached endpoint is refused.
const VERDICT = (file) => (file.startsWith('nas-') ? 'SEC_ERROR_UNKNOWN_ISSUER' : 'MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT');
const sha256Of = (file) => new crypto.X509Certificate(fs.readFileSync(path.join(DATA, file))).fingerprint256.replace(/:/g, '').toLowerCase();
const notAfterOf = (file) => new Date(new crypto.X509Certificate(fs.readFileSync(path.join(DATA, file))).validTo);
const count = (items) => items.reduce((m, x) => ({ ...m, [x]: (m[x] || 0) + 1 }), {});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-audit-report-'));
let browser = null;
try {
  const report = path.join(dir, 'report.html');
  const audit = spawnSync(CERTDOCTOR, ['audit', path.join(DATA, 'nmap-ssl-cert.xml'), path.join(DATA, 'zgrab2-fleet.jsonl'),
    path.join(DATA, 'sslyze-fleet.json'), '--json', '--html', report], { encoding: 'utf8' });
  assert.equal(audit.status, 1, 'collisions found: exit 1\n' + audit.stderr);
  // (The run's JSON is not what the report is judged by: only the facts above are.)
  const groups = GROUPS.length;

  const profile = path.join(dir, 'profile');
  fs.mkdirSync(profile);
  execFileSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password']);
  browser = await launchFirefox({ profileDir: profile, home: path.join(dir, 'home') });
  const page = await browser.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.setViewport({ width: 1400, height: 900 });
  const url = pathToFileURL(report).href;
  await page.goto(url, { waitUntil: 'load' });

  const seen = await page.evaluate(() => {
    const cells = (row) => [...row.querySelectorAll('td')].map((td) => td.textContent);
    const figures = [...document.querySelectorAll('figure')].map((f) => {
      const svg = f.querySelector('svg');
      const box = svg.getBoundingClientRect();
      // A bar chart draws label, bar, count; the timeline gives each bar a title "YYYY-MM: N".
      const bars = [...svg.querySelectorAll('rect')].map((r) => r.querySelector('title') ? r.querySelector('title').textContent :
        `${r.previousElementSibling.textContent}: ${r.nextElementSibling.textContent}`);
      return { caption: f.querySelector('figcaption').textContent, width: box.width, height: box.height, bars };
    });
    return {
      figures,
      groups: [...document.querySelectorAll('.group:not([id^="shared-key-"])')].map((g) => ({
        codes: [...g.querySelectorAll(':scope > code')].map((c) => c.textContent),
        members: [...g.querySelectorAll('table tr')].slice(1).map((r) => cells(r).slice(0, 2)),
        fix: g.querySelector('pre').textContent })),
      sharedKeys: [...document.querySelectorAll('.group[id^="shared-key-"]')].map((g) =>
        [...g.querySelectorAll('table tr')].slice(1).map((r) => cells(r).slice(0, 2))),
      endpoints: [...document.querySelectorAll('h2 + table tr')].slice(1).map((r) => cells(r).slice(0, 2)),
      summary: document.querySelector('.summary').textContent,
      bad: getComputedStyle(document.querySelector('.summary')).color,
    };
  });
  const sorted = (xs) => [...xs].map((x) => JSON.stringify(x)).sort();
  assert.equal(seen.figures.length, 3, 'three charts');
  for (const f of seen.figures) {
    assert.ok(f.width > 150 && f.height > 20, `chart "${f.caption}" is drawn (${f.width}x${f.height})`);
  }
  const [groupChart, verdictChart, timeline] = seen.figures;

  // The groups: each with the fixture's issuer, serial, endpoints and certificates, and a reissue command per endpoint.
  const expectedGroups = GROUPS.map((g) => ({ ...g, members: SERVED.filter(([, file]) => g.files.includes(file))
    .map(([endpoint, file]) => [endpoint, sha256Of(file)]) }));
  assert.equal(seen.groups.length, groups, `the fixtures' ${groups} collision groups: ` + JSON.stringify(seen.groups.map((g) => g.codes)));
  // Shared keys, apart from the collision groups: each certificate file served on two or more hosts (the same
  // certificate, hence one key; no two files of the fixtures share a key) is one group of its endpoints.
  const hostOf = (endpoint) => endpoint.replace(/:\d+$/, '');
  const sharedFiles = [...new Set(SERVED.map(([, file]) => file))]
    .filter((file) => new Set(SERVED.filter(([, f]) => f === file).map(([e]) => hostOf(e))).size > 1);
  const expectedShared = sharedFiles.map((file) => sorted(SERVED.filter(([, f]) => f === file).map(([e]) => [e, sha256Of(file)])));
  assert.deepEqual(seen.sharedKeys.map((m) => sorted(m)).map((m) => JSON.stringify(m)).sort(),
    expectedShared.map((m) => JSON.stringify(m)).sort(), 'the shared-key groups: the certificates served on several hosts');
  for (const g of expectedGroups) {
    const shown = seen.groups.find((x) => g.issuer.test(x.codes[0] || ''));
    assert.ok(shown, `a group for ${g.issuer}: ` + JSON.stringify(seen.groups.map((x) => x.codes)));
    assert.equal(shown.codes[1], g.serial, `${g.issuer}: serial`);
    assert.deepEqual(sorted(shown.members), sorted(g.members), `${g.issuer}: its endpoints and their certificates`);
    const commands = [...shown.fix.matchAll(/^certdoctor reissue 'https:\/\/([^']+)\/'$/gm)].map((m) => m[1]);
    assert.deepEqual([...new Set(commands)].sort(), [...new Set(g.members.map(([e]) => e))].sort(), `${g.issuer}: one reissue per endpoint`);
  }
  assert.match(groupChart.caption, /Collision groups/);
  assert.deepEqual(groupChart.bars.map((b) => Number(b.split(': ').pop())).sort(), expectedGroups.map((g) => g.members.length).sort(),
    'one bar per group, as long as its endpoints: ' + JSON.stringify(groupChart.bars));

  // What Firefox shows: per endpoint, and counted in the chart.
  const expectedRows = [...SERVED.map(([e, file]) => [e, VERDICT(file)]), ...UNREACHED.map((e) => [e, '(not reached)'])];
  assert.deepEqual(sorted(seen.endpoints), sorted(expectedRows), 'every endpoint with what Firefox shows');
  assert.match(verdictChart.caption, /What Firefox shows/);
  const verdicts = count([...SERVED.map(([, file]) => VERDICT(file)), ...UNREACHED.map(() => 'unreachable')]);
  assert.deepEqual(sorted(verdictChart.bars), sorted(Object.entries(verdicts).map(([v, n]) => `${v}: ${n}`)), 'the verdict chart');

  // The expiry timeline: the reached leaves by month of expiry.
  assert.match(timeline.caption, /Expiry timeline/);
  const months = count(SERVED.map(([, file]) => notAfterOf(file).toISOString().slice(0, 7)));
  assert.deepEqual(sorted(timeline.bars), sorted(Object.entries(months).map(([m, n]) => `${m}: ${n}`)), 'the expiry timeline');

  // The summary line, with the fixtures' numbers (expiring: within 30 days of now, from the certificates' dates).
  const now = Date.now();
  const expiring = SERVED.filter(([, file]) => notAfterOf(file) > now && notAfterOf(file) - now <= 30 * 86400000).length;
  const expired = SERVED.filter(([, file]) => notAfterOf(file) <= now).length;
  const inGroups = expectedGroups.reduce((n, g) => n + g.members.length, 0);
  assert.ok(seen.summary.includes(`${SERVED.length + UNREACHED.length} endpoint(s), ${SERVED.length} reachable; ` +
    `${SERVED.length} refused by Firefox; ${inGroups} in ${groups} collision group(s); ` +
    `${expectedShared.reduce((n, m) => n + m.length, 0)} sharing ${expectedShared.length} key(s) across hosts; ${expiring} expiring within 30 days, ${expired} expired`),
  'the summary counts: ' + seen.summary);
  assert.equal(seen.bad, 'rgb(176, 0, 32)', 'a report with collisions says so in red');
  assert.deepEqual(requests.filter((r) => r !== url), [], 'the report loads nothing beyond itself');

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
  console.log(`ok: the fixtures' ${groups} collision groups, ${SERVED.length + UNREACHED.length} endpoints and their verdicts drawn as made; screenshot in artifacts/audit/report.png`);
} finally {
  if (browser) await closeFirefox(browser);
  fs.rmSync(dir, { recursive: true, force: true });
}
