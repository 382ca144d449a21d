#!/usr/bin/env node
// How long from a click on certdoctor's toolbar button to the verdict in its popup, in a real Firefox ESR with the
// real native host, on loopback: Firefox refuses a stale copy's site (SEC_ERROR_REUSED_ISSUER_AND_SERIAL), the
// button is pressed through Firefox's own action code (Marionette), and the popup's time of showing its verdict is
// compared with the time of the click (one clock: Date.now() in Firefox's processes). The background asks the host
// when it notices the error, so the answer is usually there before the click. Two cases: a click 1 s after the
// error page appeared (a person's reaction), and a click at once (the host may still be working).
//   node tools/bench-extension.mjs [--runs N] [--build DIR]
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { staleCopyExample } = await import(path.join(here, '../tests/browser/stale-copy.mjs'));
const { launchWithUi, EXTENSION_ORIGIN } = await import(path.join(here, '../tests/browser/firefox-ui.mjs'));
const { EXTENSION_ID } = await import(path.join(here, '../tests/browser/with-extension.mjs'));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg('--runs', 15));
const BUILD = arg('--build', process.env.CERTDOCTOR_BUILD_DIR || path.join(here, '../build'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-bench-ext-'));
let server = null, ui = null;
try {
  server = await staleCopyExample({ dir, host: 'localhost', caName: 'Bench CA', oldNickname: 'portal (old)' });
  ui = await launchWithUi({ profileDir: server.profile, home: path.join(dir, 'home'), build: BUILD });

  // One click: the time from pressing the button to the popup showing its verdict.
  async function clickToVerdict() {
    await ui.closePopup();
    const clickedAt = await ui.s.chrome((id) => {
      const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
      const action = ExtensionParent.apiManager.global.browserActionFor(ExtensionParent.GlobalManager.getExtension(id));
      const t = Date.now();
      action.triggerAction(window);
      return t;
    }, EXTENSION_ID);
    for (let i = 0; i < 600; i++) {
      const shown = await ui.popup(() => [document.body.dataset.state, Number(document.body.dataset.shownAt || 0),
        document.querySelector('#summary').dataset.code]).catch(() => null);
      if (shown && shown[1]) {
        assert.equal(shown[2], 'stale_copy', 'the verdict is the stale copy');
        return shown[1] - clickedAt;
      }
      await sleep(10);
    }
    throw new Error('no verdict');
  }

  const results = {};
  for (const [name, wait] of [['click 1 s after the error page', 1000], ['click at once', 0]]) {
    const times = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const page = await ui.load(server.url);
      assert.match(String(page), /^about:neterror/);
      if (wait) await sleep(wait);
      const ms = await clickToVerdict();
      if (i > 0) times.push(ms);  // the first run warms Firefox's caches and the host's binary up
    }
    results[name] = times;
    console.log(`${name}: median ${median(times)} ms, min ${Math.min(...times)}, max ${Math.max(...times)} (${times.length} clicks)`);
  }
  console.log(`extension: ${EXTENSION_ORIGIN}; host: ${path.join(BUILD, 'bin/certdoctor-host')}; loopback server ${server.url}`);
} finally {
  if (ui) await ui.close();
  if (server) server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
