#!/usr/bin/env node
// End to end in real Firefox ESR: a server re-made its certificate with its old serial while the profile still
// stores the old copy. Firefox refuses the page with SEC_ERROR_REUSED_ISSUER_AND_SERIAL; certdoctor, run while
// that Firefox keeps running, names the stale copy and removes it; the same Firefox then loads the page (200)
// without a restart; `certdoctor undo` brings the error back (in a Firefox started afresh).
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFirefox, loadVerdict, closeFirefox } from './firefox.mjs';
import { staleCopyExample } from './stale-copy.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CERTDOCTOR = process.env.CERTDOCTOR_BIN || path.join(ROOT, 'build/bin/certdoctor');
const HOST = 'portal.e2e.test';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-e2e-'));
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const certdoctor = (args) => JSON.parse(run(CERTDOCTOR, [...args, '--json']));

let server = null;
let browser = null;
try {
  server = await staleCopyExample({ dir, host: HOST, caName: 'E2E Internal CA', oldNickname: `${HOST} (old)` });
  const { profile, port } = server;
  const url = `https://${HOST}:${port}/`;
  const resolveArg = `${HOST}:${port}:127.0.0.1`;

  browser = await launchFirefox({ profileDir: profile, home: path.join(dir, 'home'), names: [HOST] });
  const before = await loadVerdict(browser, url);
  assert.equal(before.error, 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL', 'Firefox refuses the page first');
  console.log('Firefox before:', before.error);

  // certdoctor reads the profile while this Firefox holds it open.
  const d = certdoctor(['diagnose', url, '--profile', profile, '--resolve', resolveArg, '--reported-error', before.error]);
  assert.equal(d.firefox_error, 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL');
  assert.equal(d.conflicts.length, 1);
  const stale = d.conflicts[0];
  const oldDer = execFileSync('openssl', ['x509', '-in', server.oldPem, '-outform', 'DER']);
  assert.equal(stale.sha256, crypto.createHash('sha256').update(oldDer).digest('hex'), 'the stored old copy, by its DER');
  assert.equal(stale.nickname, `${HOST} (old)`);
  assert.equal(stale.removable, true);
  assert.ok(!d.findings.some((x) => x.code === 'prediction_differs'), 'the prediction matches what Firefox showed');

  const removed = certdoctor(['remove', '--profile', profile, '--sha256', stale.sha256, '--url', url, '--resolve', resolveArg]);
  assert.equal(removed.verified_gone, true);
  assert.equal(removed.after.firefox_error, null, 'certdoctor predicts the page loads now');

  // The same, still running Firefox: the change is visible on the next load, no restart.
  const after = await loadVerdict(browser, url);
  assert.equal(after.error, null, `the page loads after the removal (got ${after.error})`);
  assert.equal(after.status, 200);
  console.log('Firefox after removal: status', after.status);

  const undone = certdoctor(['undo', '--profile', profile]);
  assert.equal(undone.restored.sha256, stale.sha256);
  assert.equal(certdoctor(['diagnose', url, '--profile', profile, '--resolve', resolveArg]).firefox_error,
    'SEC_ERROR_REUSED_ISSUER_AND_SERIAL');
  // The running Firefox now holds the new certificate in memory (its TLS session resumes without a new
  // check), so the restored copy shows only in a Firefox started afresh: measured, and said in the README.
  await closeFirefox(browser);
  browser = await launchFirefox({ profileDir: profile, home: path.join(dir, 'home'), names: [HOST] });
  const again = await loadVerdict(browser, url);
  assert.equal(again.error, 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL', 'undo brings the old copy, and the error, back');
  console.log('Firefox after undo:', again.error);
  const listed = run('certutil', ['-L', '-d', `sql:${profile}`]);
  assert.match(listed, /portal\.e2e\.test \(old\)\s+,,/);
  console.log('ok');
} finally {
  if (browser) await closeFirefox(browser);
  if (server) server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
