// Measures, in real Firefox ESR, what releases a certificate Firefox holds in memory: devices A and B share issuer
// and serial (twins-example.mjs); after A loads, B is refused with SEC_ERROR_REUSED_ISSUER_AND_SERIAL. Each candidate
// remedy is tried in turn, and B is loaded again after it. Prints one line per remedy and a JSON summary.
//   node tests/browser/measure-twins.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchMarionette, waitFor } from './marionette.mjs';
import { twinsExample, storedCertificates } from './twins-example.mjs';

// Waiting is itself a remedy tried here (and connections or Work Offline are given a moment): these are durations
// measured, not readiness waits.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certdoctor-twins-measure-'));
const home = path.join(dir, 'home');
const example = await twinsExample({ dir });
const results = [];
let session = null;

// Loads `url` in the selected tab: 'loads' or the error Firefox shows (its error page's code).
async function verdict(url) {
  await session.setContext('content');
  const error = await session.navigate(url);
  if (!error) return 'loads';
  const code = await session.chrome(() => {
    const b = gBrowser.selectedBrowser;
    const info = b.browsingContext.currentWindowGlobal && b.browsingContext.currentWindowGlobal.documentURI;
    return String(info && info.spec || '');
  });
  const nss = /(SEC_ERROR_[A-Z_]+|MOZILLA_PKIX_ERROR_[A-Z_]+|SSL_ERROR_[A-Z_]+)/.exec(decodeURIComponent(code + ' ' + error));
  return nss ? nss[1] : (/nssFailure2/.test(code + error) ? 'nssFailure2' : error.slice(0, 120));
}

async function start(prefs = {}) {
  session = await launchMarionette({ profileDir: example.profile, home, prefs });
}

async function record(remedy, fn) {
  const t0 = Date.now();
  await fn();
  const b = await verdict(example.b.url);
  results.push({ remedy, b, seconds: Math.round((Date.now() - t0) / 100) / 10 });
  console.log(`${remedy}: B ${b}`);
}

// Each remedy on a fresh Firefox: A loads, B is refused, the remedy, then B again (once B has loaded, B's own
// certificate is the one held, so remedies cannot be tried one after another in one Firefox).
const closeA = async () => { await session.navigate('about:blank'); };
const minimize = () => session.chrome(async () => {
  // What about:memory's "Minimize memory usage" runs: the memory reporter manager's minimizeMemoryUsage.
  await new Promise((r) => Cc['@mozilla.org/memory-reporter-manager;1'].getService(Ci.nsIMemoryReporterManager).minimizeMemoryUsage(r));
});
// Switches to the tab or window `open` makes, once Marionette lists it (polled).
const switchToNew = async (open) => {
  await session.setContext('content');
  const before = new Set(await session.send('WebDriver:GetWindowHandles'));
  await open();
  await session.setContext('content');
  const handle = await waitFor('the new tab', async () =>
    (await session.send('WebDriver:GetWindowHandles')).find((h) => !before.has(h)) || null);
  await session.send('WebDriver:SwitchToWindow', { handle });
};
const newTab = (params = {}) => switchToNew(() => session.chrome((p) => {
  gBrowser.selectedTab = gBrowser.addTab('about:blank', { ...p, triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });
}, params));
const remedies = {
  'nothing: wait 60 s with A\'s tab closed': async () => { await closeA(); await sleep(60000); },
  'close connections (net:prune-all-connections, net:cancel-all-connections), A\'s tab closed': async () => {
    await closeA();
    await session.chrome(() => {
      Services.obs.notifyObservers(null, 'net:prune-all-connections');
      Services.obs.notifyObservers(null, 'net:cancel-all-connections');
    });
    await sleep(2000);
  },
  'Work Offline and back, A\'s tab closed': async () => {
    await closeA();
    await session.chrome(() => { Services.io.offline = true; });
    await sleep(1000);
    await session.chrome(() => { Services.io.offline = false; });
  },
  'about:memory "Minimize memory usage", A\'s tab still open (B in a new tab)': async () => { await minimize(); await newTab(); },
  'about:memory "Minimize memory usage", A\'s tab closed': async () => { await closeA(); await minimize(); },
  'GC and CC only, A\'s tab closed': async () => { await closeA(); await session.chrome(() => { Cu.forceGC(); Cu.forceCC(); Cu.forceGC(); }); },
  'Clear Recent History, everything (nsIClearDataService CLEAR_ALL), A\'s tab closed': async () => {
    await closeA();
    await session.chrome(() => new Promise((resolve) => Services.clearData.deleteData(Ci.nsIClearDataService.CLEAR_ALL, () => resolve())));
  },
  'logoutAndTeardown (Clear Recent History: Active Logins), A\'s tab closed': async () => {
    await closeA();
    await session.chrome(() => Cc['@mozilla.org/security/sdr;1'].getService(Ci.nsISecretDecoderRing).logoutAndTeardown());
  },
  'a private window, A\'s tab still open': () => switchToNew(() => session.chrome(() => { OpenBrowserWindow({ private: true }); })),
  'a container tab (Personal), A\'s tab still open': async () => { await newTab({ userContextId: 1 }); },
  'quit Firefox and start it again (default: no session restore)': async () => { await session.close(); await start(); },
  'quit and start again restoring the session, A\'s tab selected': async () => {
    await session.close();
    await start({ 'browser.startup.page': 3 });
    // The restored session is there once A's tab is back (polled), then B gets a new tab.
    await waitFor('the restored tab', () => session.chrome(() => gBrowser.tabs.some((t) => /^https:/.test(t.linkedBrowser.currentURI.spec))));
    await newTab();
  },
};
const only = process.argv.slice(2);
try {
  for (const [remedy, apply] of Object.entries(remedies)) {
    if (only.length && !only.some((o) => remedy.includes(o))) continue;
    // The starting state, on a fresh Firefox: A loads, then B is refused. Seen once: B loaded right after A; such a
    // start is counted and taken again.
    for (let attempt = 0; ; attempt++) {
      await start(remedy.includes('restoring') ? { 'browser.startup.page': 3 } : {});
      const a = await verdict(example.a.url);
      const before = await newTab().then(() => verdict(example.b.url));
      // B is tried in its own tab; A's tab is the first one again for the remedy.
      await session.chrome(() => { gBrowser.removeTab(gBrowser.selectedTab); });
      const handles = await session.send('WebDriver:GetWindowHandles');
      await session.send('WebDriver:SwitchToWindow', { handle: handles[0] });
      if (a === 'loads' && before !== 'loads') break;
      console.log(`  setup not reached (A ${a}, B ${before}), attempt ${attempt + 1}`);
      results.push({ setup_not_reached: { a, b: before } });
      await session.close();
      if (attempt === 2) throw new Error('setup not reached three times');
    }
    const t0 = Date.now();
    await apply();
    const b = await verdict(example.b.url);
    results.push({ remedy, b, stored: storedCertificates(example.profile).length, seconds: Math.round((Date.now() - t0) / 100) / 10 });
    console.log(`${remedy}: B ${b}`);
    await session.close();
    session = null;
  }
  console.log(JSON.stringify({ firefox: (await import('./firefox.mjs')).firefoxVersion(), results }, null, 1));
} finally {
  if (session) await session.close().catch(() => {});
  example.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
