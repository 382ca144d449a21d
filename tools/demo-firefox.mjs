// The story of tools/demo.sh, told with a real Firefox ESR running throughout: Firefox refuses the page, certdoctor
// diagnoses it and removes the stale copy while Firefox runs, the same Firefox loads the page, and undo puts the
// copy back. Then the same from the error page, with the extension: its toolbar button, "Remove the old copy",
// confirm, the page loads, Undo. Headless unless --watch is given and a display is
// present.
//   node tools/demo-firefox.mjs --profile DIR --url URL --host HOST --resolve HOST:PORT:ADDR --certdoctor BIN
//        --build DIR [--watch]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { launchFirefox, loadVerdict, closeFirefox } = await import(path.join(here, '../tests/browser/firefox.mjs'));
const { launchWithUi } = await import(path.join(here, '../tests/browser/firefox-ui.mjs'));

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--watch') args.watch = true;
  else args[a.replace(/^--/, '')] = process.argv[++i];
}
const bold = (s) => `\n\x1b[1m== ${s}\x1b[0m`;
const show = (argv) => {
  console.log('$ certdoctor ' + argv.join(' '));
  const r = spawnSync(args.certdoctor, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`certdoctor ${argv[0]} failed (${r.status})`);
};
const json = (argv) => JSON.parse(spawnSync(args.certdoctor, [...argv, '--json'], { encoding: 'utf8' }).stdout);
const headless = !(args.watch && process.env.DISPLAY);
// Pacing for a person watching (--watch with a display), not a wait for readiness: headless it is 0.
const pause = () => new Promise((r) => setTimeout(r, headless ? 0 : 2500));

const browser = await launchFirefox({ profileDir: args.profile, home: path.join(args.profile, '..', 'firefox-home'),
  names: [args.host], headless });
try {
  console.log(bold(`1. Firefox ESR (${headless ? 'headless' : 'on your display'}) opens ${args.url}`));
  const page = await browser.newPage();
  const first = await loadVerdict(browser, args.url);
  console.log(`Firefox shows: ${first.error}`);
  await page.goto(args.url).catch(() => {});  // keep the error page on screen when watching
  await pause();

  console.log(bold('2. The diagnosis, with the code Firefox reported'));
  show(['diagnose', args.url, '--resolve', args.resolve, '--profile', args.profile, '--reported-error', first.error]);
  const d = json(['diagnose', args.url, '--resolve', args.resolve, '--profile', args.profile]);
  const stale = d.conflicts.find((c) => c.removable);
  if (!stale) throw new Error('no removable conflict found');

  console.log(bold('3. The fix, while Firefox keeps running: remove exactly that stored certificate (a backup is kept)'));
  show(['remove', '--profile', args.profile, '--sha256', stale.sha256, '--url', args.url, '--resolve', args.resolve]);

  console.log(bold('4. The same Firefox loads the page again - no restart'));
  const after = await loadVerdict(browser, args.url);
  console.log(after.error ? `Firefox still shows: ${after.error}` : `Firefox loads the page: HTTP ${after.status}`);
  await page.goto(args.url).catch(() => {});
  await pause();

  console.log(bold('5. Undo puts the old copy back exactly'));
  show(['undo', '--profile', args.profile, '--list']);
  show(['undo', '--profile', args.profile]);
  const again = json(['diagnose', args.url, '--resolve', args.resolve, '--profile', args.profile]);
  console.log(`certdoctor now predicts: ${again.firefox_error} (a Firefox started afresh shows it; this one keeps ` +
    'the new certificate with its open TLS session)');
  if (first.error !== 'SEC_ERROR_REUSED_ISSUER_AND_SERIAL' || after.error !== null) process.exitCode = 1;
} finally {
  await closeFirefox(browser);
}

// The same story from the error page, as a user lives it: the extension and its native host (installed for a
// throw-away HOME), default settings; Firefox's own toolbar button is pressed (through Marionette), its popup says
// what is wrong, "Remove the old copy", confirm, the page loads, Undo.
console.log(bold('6. The same with the extension, in a Firefox started afresh (the profile holds the old copy again)'));
const ui = await launchWithUi({ profileDir: args.profile, home: path.join(args.profile, '..', 'extension-home'),
  build: args.build, names: [args.host], headless,
  env: { CERTDOCTOR_RESOLVE: args.resolve } });  // the native host resolves the demo's name as Firefox does
try {
  const refused = await ui.load(args.url);
  console.log(`Firefox refuses the page (${refused}); the certdoctor button on the toolbar is marked: ` +
    JSON.stringify((await ui.buttonState()).badge));
  await pause();
  await ui.clickToolbarButton();
  // (Names arrive wrapped in Unicode isolates, which a terminal would show as odd marks.)
  const plain = (text) => text.replace(/[\u2068\u2069]/g, '');
  const popupText = async () => (await ui.popup(() => [document.querySelector('.headline').textContent,
    document.querySelector('#summary .text').textContent])).map(plain);
  const [headline, text] = await popupText();
  console.log(`The toolbar button's popup says:\n  ${headline}\n  ${text}`);
  await pause();
  console.log(`Its one action: "${await ui.popup(() => document.querySelector('#primary').textContent)}"`);
  await ui.popup(() => document.querySelector('#primary').click());
  console.log('It asks first: ' + plain(await ui.popup(() => document.querySelector('.confirm p').textContent)));
  await pause();
  await ui.popup(() => document.querySelector('#confirm-removal').click());
  const removed = await ui.waitForPopup(true);
  const [after, afterText] = await popupText();
  console.log(`${after}: ${afterText}`);
  const loaded = await ui.load(args.url);
  console.log(loaded === null ? 'Firefox loads the page.' : `Firefox still shows: ${loaded}`);
  await pause();
  await ui.clickToolbarButton();
  await ui.popup(() => document.querySelector('#undo').click());
  await ui.waitForPopup(true);
  const [restored, restoredText] = await popupText();
  console.log(`${restored}: ${restoredText}`);
  await pause();
  if (removed !== 'removed' || loaded !== null) process.exitCode = 1;
} finally {
  await ui.close();
}
