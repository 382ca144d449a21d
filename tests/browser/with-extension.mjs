// Firefox with certdoctor's extension and native host, set up as a user install would be: the host manifest in
// HOME's ~/.mozilla/native-messaging-hosts, the administrator's options as per-user managed storage, the extension
// installed (temporarily) from extension/. The extension gets a fixed internal UUID so its page can be recognised.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchFirefox } from './firefox.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const EXTENSION_ID = JSON.parse(fs.readFileSync(path.join(ROOT, 'extension/manifest.json'), 'utf8'))
  .browser_specific_settings.gecko.id;
export const UUID = '6c0b3f2e-8f43-4d0a-9a51-2a7d3c1e9b10';

export function hostManifestPath(home) {
  return path.join(home, '.mozilla/native-messaging-hosts/certdoctor.json');
}

// `build`: the build folder (its manifests/certdoctor.json points at its certdoctor-host); `options`: managed
// options (auto_diagnose: true lets the extension open its page by itself, which a test needs: WebDriver BiDi may
// not navigate a tab to an extension page, but the extension may).
// The native host for `home`, as a user install puts it, and the administrator's options as per-user managed storage.
export function installHostFor(home, build, options = {}) {
  fs.mkdirSync(path.dirname(hostManifestPath(home)), { recursive: true });
  fs.copyFileSync(path.join(build, 'manifests/certdoctor.json'), hostManifestPath(home));
  writeOptions(home, options);
}

export function writeOptions(home, options) {
  fs.mkdirSync(path.join(home, '.mozilla/managed-storage'), { recursive: true });
  fs.writeFileSync(path.join(home, `.mozilla/managed-storage/${EXTENSION_ID}.json`), JSON.stringify({
    name: EXTENSION_ID, description: 'certdoctor options', type: 'storage', data: options }));
}

export async function launchWithExtension({ profileDir, home, build, options = {}, prefs = {}, env = {}, names = [],
  headless = true }) {
  installHostFor(home, build, options);
  const browser = await launchFirefox({ profileDir, home, names, headless, env,
    prefs: { 'extensions.webextensions.uuids': JSON.stringify({ [EXTENSION_ID]: UUID }), ...prefs } });
  await browser.installExtension(path.join(ROOT, 'extension'));
  return browser;
}

// Loads `url` in `tab`, expects Firefox to refuse it with `expected`, and returns the extension page that
// auto_diagnose opens next to it once it shows its diagnosis (BiDi lists extension pages with a blank URL, so the
// new tab is found as the new target and asked for its address).
export async function errorPageDiagnosis(browser, tab, url, expected) {
  const existing = new Set(browser.targets());
  const refused = await tab.goto(url).then(() => null, (e) => String(e.message));
  if (!refused || !refused.includes(expected)) throw new Error(`Firefox should refuse ${url} with ${expected}: ${refused}`);
  const target = await browser.waitForTarget((t) => !existing.has(t) && t.type() === 'page', { timeout: 30000 });
  const page = await target.page();
  await page.waitForFunction(() => location.href.startsWith('moz-extension://'), { timeout: 30000 });
  await page.waitForFunction(() => ['result', 'problem'].includes(document.body.dataset.state), { timeout: 30000 });
  return page;
}
