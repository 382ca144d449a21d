#!/usr/bin/env node
// The audit's HTML report in real Firefox ESR (headless): the real CLI writes it from the scanners' fixtures,
// Firefox opens the file, and the test checks what a reader sees: three charts drawn (collision groups with one
// bar per group, verdicts, the expiry timeline), the groups with their `certdoctor reissue` commands, every
// endpoint, and not one request beyond the file itself (the report is self-contained). The screenshot goes to
// artifacts/audit/report.png (look at it).
import { execFileSync, spawnSync } from 'node:child_process';
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

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-audit-report-'));
let browser = null;
try {
  const report = path.join(dir, 'report.html');
  const audit = spawnSync(CERTDOCTOR, ['audit', path.join(DATA, 'nmap-ssl-cert.xml'), path.join(DATA, 'zgrab2-fleet.jsonl'),
    path.join(DATA, 'sslyze-fleet.json'), '--json', '--html', report], { encoding: 'utf8' });
  assert.equal(audit.status, 1, 'collisions found: exit 1\n' + audit.stderr);
  const json = JSON.parse(audit.stdout);
  const groups = json.collisions.length;
  assert.ok(groups >= 3, `expected the fixtures' collision groups, got ${groups}`);

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
    const figures = [...document.querySelectorAll('figure')].map((f) => {
      const svg = f.querySelector('svg');
      const box = svg.getBoundingClientRect();
      return { caption: f.querySelector('figcaption').textContent, width: box.width, height: box.height,
               bars: svg.querySelectorAll('rect').length };
    });
    return {
      figures,
      groupBoxes: document.querySelectorAll('.group').length,
      fixes: [...document.querySelectorAll('.group pre')].map((p) => p.textContent),
      endpointRows: document.querySelectorAll('h2 + table tr').length - 1,
      summary: document.querySelector('.summary').textContent,
      bad: getComputedStyle(document.querySelector('.summary')).color,
    };
  });
  assert.equal(seen.figures.length, 3, 'three charts');
  for (const f of seen.figures) {
    assert.ok(f.width > 150 && f.height > 20, `chart "${f.caption}" is drawn (${f.width}x${f.height})`);
  }
  const [groupChart, verdictChart, timeline] = seen.figures;
  assert.match(groupChart.caption, /Collision groups/);
  assert.equal(groupChart.bars, groups, 'one bar per collision group');
  assert.match(verdictChart.caption, /What Firefox shows/);
  assert.equal(verdictChart.bars, Object.keys(json.summary.verdicts).length, 'one bar per verdict');
  assert.match(timeline.caption, /Expiry timeline/);
  assert.equal(timeline.bars, Object.keys(json.summary.expiry_by_month).length, 'one bar per month');
  assert.equal(seen.groupBoxes, groups);
  assert.ok(seen.fixes.every((t) => /^certdoctor reissue 'https:\/\/[^']+\/'$/m.test(t)), 'each group has its reissue commands');
  assert.equal(seen.endpointRows, json.summary.endpoints, 'every endpoint has its row');
  assert.match(seen.summary, /refused by Firefox/);
  assert.equal(seen.bad, 'rgb(176, 0, 32)', 'a report with collisions says so in red');
  assert.deepEqual(requests.filter((r) => r !== url), [], 'the report loads nothing beyond itself');

  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
  console.log(`ok: ${groups} collision groups and ${json.summary.endpoints} endpoints drawn; screenshot in artifacts/audit/report.png`);
} finally {
  if (browser) await closeFirefox(browser);
  fs.rmSync(dir, { recursive: true, force: true });
}
