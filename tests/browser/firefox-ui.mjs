// Firefox's own UI, pressed the way a user presses it, through Marionette (marionette.mjs): the toolbar button and
// the menu items clicked with the mouse, the page and tab context menus opened with a right-click, the keyboard
// shortcut pressed as keys (Marionette's pointer and key actions, handled by Firefox as a user's input). The popup's
// document is reached from an extension page in a background tab (extension.getViews({type: "popup"})), since
// Marionette cannot switch into the popup's browser; screenshots of the popup are Firefox's own rendering of its
// browser (drawSnapshot).
import fs from 'node:fs';
import path from 'node:path';
import { launchMarionette, waitFor } from './marionette.mjs';
import { ROOT, EXTENSION_ID, UUID, installHostFor } from './with-extension.mjs';
import { messages } from './locales.mjs';

export const EXTENSION_ORIGIN = `moz-extension://${UUID}`;

// Firefox with the extension installed from extension/ and its native host for `home`, default settings unless
// `options` (managed storage) or `prefs` say otherwise.
// `lang`: 'de' starts Firefox in German (Debian's language pack, chosen the way a German user's Firefox has it:
// intl.locale.requested), so the extension is shown in its German locale.
export async function launchWithUi({ profileDir, home, build, options = {}, prefs = {}, env = {}, names = [], headless = true,
  lang = 'en' }) {
  installHostFor(home, build, options);
  const session = await launchMarionette({ profileDir, home, env, names, headless,
    prefs: { 'extensions.webextensions.uuids': JSON.stringify({ [EXTENSION_ID]: UUID }),
      ...(lang === 'en' ? {} : { 'intl.locale.requested': lang }), ...prefs } });
  await session.installTemporary(path.join(ROOT, 'extension'));
  const ui = new FirefoxUi(session, lang);
  await ui.openHelperTab();
  return ui;
}

export class FirefoxUi {
  constructor(session, lang = 'en') {
    this.s = session;
    this.lang = lang;  // the extension's locale in this Firefox (its menu label is looked up in it)
    this.helper = null;  // the window handle of the background tab that reaches the popup
  }

  // The extension installed again (it restarts and reads its managed options anew); its helper tab with it.
  async reinstall() {
    await this.closeHelperTab();
    await this.s.installTemporary(path.join(ROOT, 'extension'));
    await this.openHelperTab();
  }

  async closeHelperTab() {
    if (!this.helper) return;
    await this.s.setContext('content');
    await this.s.send('WebDriver:SwitchToWindow', { handle: this.helper, focus: false });
    await this.s.send('WebDriver:CloseWindow');
    this.helper = null;
    await this.useSiteTab();
  }

  // The tab the user looks at is the first one; the helper tab stays in the background.
  // The helper tab is found by its own address (a marker in the query), once its extension page has loaded.
  async openHelperTab() {
    await this.s.setContext('content');
    const before = new Set(await this.s.send('WebDriver:GetWindowHandles'));
    if (!this.site) this.site = [...before][0];
    const url = `${EXTENSION_ORIGIN}/diagnose.html?helper=${Date.now()}`;
    await this.s.chrome((u) => {
      gBrowser.addTab(u, { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal(), inBackground: true });
    }, url);
    this.helper = await waitFor('the helper tab', async () => {
      for (const h of await this.s.send('WebDriver:GetWindowHandles')) {
        if (before.has(h)) continue;
        await this.s.send('WebDriver:SwitchToWindow', { handle: h, focus: false });
        const ready = await this.s.content((u) => location.href === u && document.readyState === 'complete' && !!window.browser,
          url).catch(() => false);
        if (ready) return h;
      }
      return null;
    });
    await this.useSiteTab();
  }

  async useSiteTab() {
    await this.s.setContext('content');
    await this.s.send('WebDriver:SwitchToWindow', { handle: this.site, focus: false });
  }

  // Brings the user's tab to the front (the Diagnose page opens in front of it), as a user clicks on it.
  async showSiteTab() {
    await this.s.chrome(() => { gBrowser.selectedTab = gBrowser.tabs[0]; });
  }

  // Loads `url` in the user's tab; resolves with Firefox's error page address, or null when the page loaded.
  async load(url) {
    await this.showSiteTab();
    await this.useSiteTab();
    const error = await this.s.navigate(url);
    if (!error) return null;
    // Marionette names an overridable certificate error "insecure certificate", any other error page by its address.
    if (/insecure certificate/.test(error)) return 'about:certerror';
    const page = /Reached error page: (\S+)/.exec(error);
    return page ? page[1] : error;
  }

  // The toolbar button's state for the selected tab, as Firefox holds it.
  buttonState() {
    return this.s.chrome((id) => {
      const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
      const action = ExtensionParent.apiManager.global.browserActionFor(ExtensionParent.GlobalManager.getExtension(id));
      const data = action.action.getContextData(gBrowser.selectedTab);
      const node = document.getElementById(action.id);
      return { badge: data.badgeText, title: data.title, area: CustomizableUI.getPlacementOfWidget(action.id)?.area || null,
        icon: String(data.icon && Object.values(data.icon)[0] || ''), visible: !!node && !node.hidden };
    }, EXTENSION_ID);
  }

  // Clicks the toolbar button with the mouse where Firefox drew it (a real click in Firefox's window: Firefox's own
  // path, the activeTab grant, then the popup); resolves once the popup's page has rendered its state
  // (body[data-state] other than "checking", unless `settled` is false).
  async clickToolbarButton({ settled = true } = {}) {
    await this.closePopup();
    await this.showSiteTab();
    const at = await this.s.chrome((id) => {
      const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
      const action = ExtensionParent.apiManager.global.browserActionFor(ExtensionParent.GlobalManager.getExtension(id));
      const box = document.getElementById(action.id)?.getBoundingClientRect();
      return box && box.width > 0 ? { x: box.left + box.width / 2, y: box.top + box.height / 2 } : null;
    }, EXTENSION_ID);
    if (!at) throw new Error('the toolbar button is not drawn');
    await this.s.setContext('chrome');
    await this.mouse(at.x, at.y, 0);
    await this.s.setContext('content');
    return this.waitForPopup(settled);
  }

  // The keyboard shortcut of the manifest (commands._execute_action), pressed as keys: Marionette's key actions in
  // the chrome context go through Firefox's own input handling (a key event for the focused window, the XUL key
  // handlers, menu access keys), as a user's key press does. Resolves with the key Firefox bound, the popup's state
  // (null when no popup opened) and the menu of the menu bar the keys opened instead, if any.
  async pressShortcut({ settled = true } = {}) {
    await this.closePopup();
    await this.showSiteTab();
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'extension/manifest.json'), 'utf8'));
    const shortcut = manifest.commands._execute_action.suggested_key.default;
    const parts = shortcut.split('+');
    const key = parts.pop();
    const MODIFIER = { Alt: '\uE00A', Shift: '\uE008', Ctrl: '\uE009', MacCtrl: '\uE009', Command: '\uE03D' };
    const modifiers = parts.map((m) => { if (!MODIFIER[m]) throw new Error('modifier ' + m); return MODIFIER[m]; });
    const bound = await this.s.chrome((id) => {
      // Firefox puts an extension's shortcuts in a keyset of its own: ext-keyset-id-<id with _ for . and @>.
      const keyset = document.getElementById('ext-keyset-id-' + id.replace(/[^a-z0-9_-]/gi, '_'));
      const keyEl = keyset && keyset.querySelector('key');
      return keyEl ? { key: keyEl.getAttribute('key'), modifiers: keyEl.getAttribute('modifiers') } : null;
    }, EXTENSION_ID);
    if (!bound) throw new Error('Firefox bound no key for the extension command');
    await this.s.setContext('chrome');
    await this.s.send('WebDriver:PerformActions', { actions: [{ type: 'key', id: 'keyboard', actions: [
      ...modifiers.map((value) => ({ type: 'keyDown', value })), { type: 'keyDown', value: key }, { type: 'keyUp', value: key },
      ...modifiers.reverse().map((value) => ({ type: 'keyUp', value }))] }] });
    await this.s.send('WebDriver:ReleaseActions', {});
    await this.s.setContext('content');
    // Either the popup opens, or something else took the keys (a menu of the menu bar opened).
    const outcome = await waitFor('the popup or a menu after the shortcut', () => this.s.chrome(() => {
      const menu = [...document.querySelectorAll('#main-menubar > menu')].find((m) => m.open);
      if (menu) return { menu: menu.getAttribute('label') };
      const open = [...document.querySelectorAll('.webextension-popup-browser')].some((b) =>
        ['open', 'showing'].includes(b.closest('panel')?.state));
      return open ? { popup: true } : null;
    }), { timeoutMs: 10000 }).catch(() => ({}));
    if (outcome.menu) {
      await this.s.chrome(() => { for (const m of document.querySelectorAll('#main-menubar > menu')) m.open = false; });
      return { shortcut, key: bound, state: null, menu: outcome.menu };
    }
    const state = outcome.popup ? await this.waitForPopup(settled) : null;
    return { shortcut, key: bound, state, menu: null };
  }

  async waitForPopup(settled) {
    return waitFor('the popup to show a state', async () => {
      const state = await this.popup(() => document.body.dataset.state || '').catch(() => null);
      return state && (!settled || !['checking', 'removing', 'undoing'].includes(state)) ? state : null;
    });
  }

  // (A popup's browser can exist without being shown: Firefox preloads it when the mouse rests on the button. Only
  // one in an open panel counts.)
  async closePopup() {
    await this.s.chrome(() => {
      for (const b of document.querySelectorAll('.webextension-popup-browser')) {
        const panel = b.closest('panel');
        if (panel && ['open', 'showing'].includes(panel.state)) panel.hidePopup();
      }
    });
    await waitFor('the popup to close', async () => !await this.popupOpen(), { timeoutMs: 5000 });
  }

  popupOpen() {
    return this.s.chrome(() => [...document.querySelectorAll('.webextension-popup-browser')]
      .some((b) => ['open', 'showing'].includes(b.closest('panel')?.state)));
  }

  // Runs `fn(...args)` on the popup's document (reached from the helper tab): inside `fn`, `document`, `window`,
  // `KeyboardEvent` and `getComputedStyle` are the popup's.
  async popup(fn, ...args) {
    await this.s.setContext('content');
    await this.s.send('WebDriver:SwitchToWindow', { handle: this.helper, focus: false });
    try {
      return await this.s.content((source, a) => {
        const view = window.browser.extension.getViews({ type: 'popup' })[0];
        if (!view) throw new Error('no popup');
        const call = new Function('document', 'window', 'KeyboardEvent', 'getComputedStyle', 'args',
          `return (${source})(...args);`);
        return call(view.document, view, view.KeyboardEvent, (e) => view.getComputedStyle(e), a);
      }, fn.toString(), args);
    } finally {
      await this.useSiteTab();
    }
  }

  // A PNG of the popup as Firefox renders it.
  async popupScreenshot(file) {
    const png = await this.s.chrome(async () => {
      const b = [...document.querySelectorAll('.webextension-popup-browser')].find((x) => x.closest('panel')?.state === 'open');
      const bitmap = await b.browsingContext.currentWindowGlobal.drawSnapshot(null, 1, 'white');
      const canvas = document.createElementNS('http://www.w3.org/1999/xhtml', 'canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      return canvas.toDataURL('image/png');
    });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(png.split(',')[1], 'base64'));
  }

  // The labels of the visible buttons of Firefox's certificate error page in the site tab (inside its components'
  // shadow roots), with "Advanced" pressed: what a user can choose there. The card replaces the page's first markup a
  // moment after the failure, so its Advanced button is polled for.
  async errorPageLabels() {
    await this.useSiteTab();
    // (Run in the page: its buttons, and a click on the one with `press` as id.)
    const buttons = (press = null) => this.s.content((id) => {
      const out = [];
      const walk = (root) => {
        for (const e of root.querySelectorAll('*')) {
          if (e.shadowRoot) walk(e.shadowRoot);
          if ((e.tagName === 'BUTTON' || e.tagName === 'MOZ-BUTTON') && e.getClientRects().length) out.push(e);
        }
      };
      walk(document);
      const target = id && out.find((e) => e.id === id);
      if (target) target.click();
      return out.map((e) => ({ id: e.id, label: (e.getAttribute('label') || e.textContent || '').trim() }));
    }, press);
    const before = await waitFor('the error page\'s Advanced button', async () => {
      const b = await buttons();
      return b.some((x) => x.id === 'advanced-button') ? b : null;
    });
    await buttons('advanced-button');
    const after = await waitFor('the button past the warning', async () => {
      const b = await buttons();
      return b.some((x) => /exception|proceed/i.test(x.id)) ? b : null;
    });
    return [...new Set([...before, ...after].map((b) => b.label).filter(Boolean))];
  }

  // A mouse click with `button` (0 left, 2 right) at (x, y) CSS pixels of the current context's viewport: Marionette's
  // pointer actions, which Firefox handles as a user's mouse (in the chrome context, popups at that point get it).
  async mouse(x, y, button) {
    await this.s.send('WebDriver:PerformActions', { actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
      actions: [{ type: 'pointerMove', x: Math.round(x), y: Math.round(y), origin: 'viewport' }, { type: 'pointerDown', button },
        { type: 'pointerUp', button }] }] });
    await this.s.send('WebDriver:ReleaseActions', {});
  }

  // Right-click on the page (a real mouse event in the content), then a left click on the menu item certdoctor added.
  async contextMenuOnPage() {
    await this.showSiteTab();
    await this.useSiteTab();
    await this.mouse(200, 200, 2);
    return this.chooseMenuItem('contentAreaContextMenu');
  }

  // A right-click on the selected tab in the tab strip (a real mouse event in Firefox's own window), then a left
  // click on certdoctor's item of the tab context menu.
  async contextMenuOnTab() {
    await this.showSiteTab();
    const r = await this.s.chrome(() => {
      const box = gBrowser.selectedTab.getBoundingClientRect();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    });
    await this.s.setContext('chrome');
    await this.mouse(r.x, r.y, 2);
    return this.chooseMenuItem('tabContextMenu');
  }

  // The menu's item with certdoctor's label (in the language Firefox shows the extension in), clicked with the mouse
  // where Firefox drew it. 'chosen', 'missing' (the menu opened without it) or 'not opened'.
  async chooseMenuItem(menuId) {
    const label = messages(this.lang).contextMenuDiagnose.message;
    const found = await waitFor(`the menu ${menuId}`, () => this.s.chrome((id, text) => {
      const menu = document.getElementById(id);
      if (menu.state !== 'open') return null;
      const item = [...menu.querySelectorAll('menuitem')].find((m) => m.getAttribute('label') === text && !m.hidden);
      if (!item) { menu.hidePopup(); return { missing: true }; }
      const box = item.getBoundingClientRect();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    }, menuId, label), { timeoutMs: 10000 }).catch(() => null);
    await this.s.setContext('content');
    if (!found) return 'not opened';
    if (found.missing) return 'missing';
    await this.s.setContext('chrome');
    await this.mouse(found.x, found.y, 0);
    await waitFor(`the menu ${menuId} to close`, () => this.s.chrome((id) => document.getElementById(id).state === 'closed', menuId),
      { timeoutMs: 10000 });
    await this.s.setContext('content');
    return 'chosen';
  }

  // The Diagnose page tab for the site tab, once it shows a settled state; content commands then go to it.
  async diagnosePage({ settled = true } = {}) {
    return waitFor('the Diagnose page', async () => {
      await this.s.setContext('content');
      const handles = await this.s.send('WebDriver:GetWindowHandles');
      for (const h of handles.filter((x) => x !== this.site && x !== this.helper)) {
        await this.s.send('WebDriver:SwitchToWindow', { handle: h, focus: false });
        const state = await this.s.content(() => location.href.includes('/diagnose.html?') ? document.body.dataset.state || '' : null)
          .catch(() => null);
        if (state && (!settled || !['checking', 'removing', 'undoing'].includes(state))) return { handle: h, state };
      }
      return null;
    });
  }

  async closeOtherTabs() {
    await this.s.setContext('content');
    for (const h of await this.s.send('WebDriver:GetWindowHandles')) {
      if (h === this.site || h === this.helper) continue;
      await this.s.send('WebDriver:SwitchToWindow', { handle: h, focus: false });
      await this.s.send('WebDriver:CloseWindow');
    }
    await this.useSiteTab();
  }

  close() { return this.s.close(); }
}
