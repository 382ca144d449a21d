#!/usr/bin/env node
// What Firefox ESR's own error page offers for a handshake failure, measured: which buttons are shown, and what
// pressing "Enable TLS 1.0 and 1.1" changes in the profile. Serves a TLS-1.0-only server on loopback, loads it,
// lists the error page's visible buttons, presses the TLS button when there is one, and reads the pref back.
//   node tests/browser/error-page.mjs        prints JSON; exits 1 when the page could not be read, or when it no
//                                            longer is what certdoctor's diagnosis says of it (measured on ESR 153.8:
//                                            no button that re-enables TLS 1.0/1.1, only Advanced and Go back; the code
//                                            SSL_ERROR_PROTOCOL_VERSION_ALERT under Advanced)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchFirefox, closeFirefox } from './firefox.mjs';
import { sServer } from './servers.mjs';

const cases = JSON.parse(fs.readFileSync(new URL('../truth/cases.json', import.meta.url), 'utf8')).cases;
const valid = cases.find((c) => c.id === 'own:rsa-valid');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-errpage-'));
let server, browser;
try {
  fs.writeFileSync(path.join(dir, 'leaf.pem'), valid.chain.join(''));
  fs.writeFileSync(path.join(dir, 'leaf.key'), valid.key);
  server = await sServer({ cert: path.join(dir, 'leaf.pem'), key: path.join(dir, 'leaf.key'), args: ['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0'] });
  browser = await launchFirefox({ profileDir: path.join(dir, 'profile'), home: path.join(dir, 'home'), names: ['site.test'] });
  const page = await browser.newPage();
  await page.goto(server.url('site.test'), { timeout: 15000 }).catch(() => {});
  // The error page replaces its first markup with the card a moment after the failure: read it once the card's
  // "Advanced" button is there.
  const FIND = `(id) => { const find = (root) => { for (const el of root.querySelectorAll('*')) { if (el.id === id) return el;
    if (el.shadowRoot) { const f = find(el.shadowRoot); if (f) return f; } } return null; }; return find(document); }`;
  await page.waitForFunction(`(${FIND})('advanced-button')`, { timeout: 15000, polling: 100 });
  // The page's buttons, including those inside web components' shadow roots; and its text.
  const read = () => page.evaluate(() => {
    const out = [];
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) walk(el.shadowRoot);
        if (el.tagName === 'BUTTON' || el.tagName === 'MOZ-BUTTON') {
          const style = getComputedStyle(el);
          out.push({ tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || el.getAttribute('label') || '').trim(),
            l10n: el.getAttribute('data-l10n-id'), visible: !el.hidden && style.display !== 'none' && style.visibility !== 'hidden' });
        }
      }
    };
    walk(document);
    const text = [];
    const texts = (root) => { for (const el of root.querySelectorAll('*')) { if (el.shadowRoot) texts(el.shadowRoot); } text.push(root.textContent); };
    texts(document.body);
    return { url: document.documentURI, title: document.title, buttons: out,
      text: text.join(' ').replace(/\s+/g, ' ').slice(0, 1500) };
  });
  const buttons = await read();
  // "Advanced" unfolds the rest of the page.
  await page.evaluate(`(${FIND})('advanced-button').click()`);
  // Unfolded once the page's text names the error code (polled; judged below if it never does).
  await page.waitForFunction(() => {
    const text = [];
    const texts = (root) => { for (const el of root.querySelectorAll('*')) { if (el.shadowRoot) texts(el.shadowRoot); } text.push(root.textContent); };
    texts(document.body);
    return /SSL_ERROR_[A-Z_]+/.test(text.join(' '));
  }, { timeout: 15000, polling: 100 }).catch(() => null);
  const advanced = await read();
  const tls = advanced.buttons.find((b) => b.visible && /tls|deprecated/i.test(`${b.id} ${b.l10n}`));
  let after = null;
  if (tls) {
    const before = await page.evaluate(() => document.documentURI);
    await page.evaluate(`(${FIND})(${JSON.stringify(tls.id)}).click()`);
    // What the button does shows as a new page (polled, bounded: the test fails on the button's presence anyway).
    await page.waitForFunction((u) => document.documentURI !== u, { timeout: 15000, polling: 100 }, before).catch(() => null);
    after = { url: await page.evaluate(() => document.documentURI).catch((e) => String(e.message)) };
  }
  console.log(JSON.stringify({ before: buttons, advanced, pressed: tls ? tls.id : null, after }, null, 1));
  if (tls) { console.error(`the error page now has a TLS button (${tls.id}): the diagnosis's words for it must change`); process.exitCode = 1; }
  if (!advanced.text.includes('SSL_ERROR_PROTOCOL_VERSION_ALERT')) { console.error('the error page does not show SSL_ERROR_PROTOCOL_VERSION_ALERT'); process.exitCode = 1; }
} catch (e) {
  console.error('could not read the error page: ' + e.message);
  process.exitCode = 1;
} finally {
  if (browser) await closeFirefox(browser);
  if (server) server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
