// Firefox's own UI, pressed the way a user presses it, through Marionette (marionette.mjs): the toolbar button
// (Firefox's action code: the activeTab grant, then the popup), the page and tab context menus, the keyboard
// shortcut. The popup's document is reached from an extension page in a background tab
// (extension.getViews({type: "popup"})), since Marionette cannot switch into the popup's browser; screenshots of
// the popup are Firefox's own rendering of its browser (drawSnapshot).
import fs from 'node:fs';
import path from 'node:path';
import { launchMarionette } from './marionette.mjs';
import { ROOT, EXTENSION_ID, UUID, installHostFor } from './with-extension.mjs';

export const EXTENSION_ORIGIN = `moz-extension://${UUID}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Firefox with the extension installed from extension/ and its native host for `home`, default settings unless
// `options` (managed storage) or `prefs` say otherwise.
export async function launchWithUi({ profileDir, home, build, options = {}, prefs = {}, env = {}, names = [], headless = true }) {
  installHostFor(home, build, options);
  const session = await launchMarionette({ profileDir, home, env, names, headless,
    prefs: { 'extensions.webextensions.uuids': JSON.stringify({ [EXTENSION_ID]: UUID }), ...prefs } });
  await session.installTemporary(path.join(ROOT, 'extension'));
  const ui = new FirefoxUi(session);
  await ui.openHelperTab();
  return ui;
}

export class FirefoxUi {
  constructor(session) {
    this.s = session;
    this.helper = null;  // the window handle of the background tab that reaches the popup
  }

  // The extension installed again (it restarts and reads its managed options anew); its helper tab with it.
  async reinstall() {
    await this.s.installTemporary(path.join(ROOT, 'extension'));
    await sleep(300);
    await this.openHelperTab();
  }

  // The tab the user looks at is the first one; the helper tab stays in the background.
  async openHelperTab() {
    await this.s.chrome((url) => {
      gBrowser.addTab(url, { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal(), inBackground: true });
    }, `${EXTENSION_ORIGIN}/diagnose.html`);
    await sleep(500);
    await this.s.setContext('content');
    const handles = await this.s.send('WebDriver:GetWindowHandles');
    this.site = handles[0];
    this.helper = handles[handles.length - 1];
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

  // Presses the toolbar button; resolves once the popup's page has rendered its state (body[data-state] other
  // than "checking", unless `settled` is false).
  async clickToolbarButton({ settled = true } = {}) {
    await this.closePopup();
    await this.showSiteTab();
    await this.s.chrome((id) => {
      const { ExtensionParent } = ChromeUtils.importESModule('resource://gre/modules/ExtensionParent.sys.mjs');
      ExtensionParent.apiManager.global.browserActionFor(ExtensionParent.GlobalManager.getExtension(id)).triggerAction(window);
    }, EXTENSION_ID);
    return this.waitForPopup(settled);
  }

  // The keyboard shortcut: the key element Firefox made for the command, activated as a key press activates it.
  async pressShortcut({ settled = true } = {}) {
    await this.closePopup();
    await this.showSiteTab();
    const key = await this.s.chrome((id) => {
      // Firefox puts an extension's shortcuts in a keyset of its own: ext-keyset-id-<id with _ for . and @>.
      const keyset = document.getElementById('ext-keyset-id-' + id.replace(/[^a-z0-9_-]/gi, '_'));
      const keyEl = keyset && keyset.querySelector('key');
      if (!keyEl) return null;
      keyEl.doCommand();
      return { key: keyEl.getAttribute('key'), modifiers: keyEl.getAttribute('modifiers') };
    }, EXTENSION_ID);
    if (!key) throw new Error('no key element for the extension command');
    const state = await this.waitForPopup(settled);
    return { key, state };
  }

  async waitForPopup(settled) {
    for (let i = 0; i < 300; i++) {
      const state = await this.popup(() => document.body.dataset.state || '').catch(() => null);
      if (state && (!settled || !['checking', 'removing', 'undoing'].includes(state))) return state;
      await sleep(50);
    }
    throw new Error('the popup did not show a state');
  }

  async closePopup() {
    await this.s.chrome(() => {
      const b = document.querySelector('.webextension-popup-browser');
      const panel = b && b.closest('panel');
      if (panel) panel.hidePopup();
    });
    for (let i = 0; i < 50; i++) {
      if (!await this.popupOpen()) return;
      await sleep(50);
    }
  }

  popupOpen() {
    return this.s.chrome(() => !!document.querySelector('.webextension-popup-browser'));
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
      const b = document.querySelector('.webextension-popup-browser');
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

  // Right-click on the page (a real mouse event in the content), then the menu item certdoctor added.
  async contextMenuOnPage() {
    await this.showSiteTab();
    await this.useSiteTab();
    await this.s.send('WebDriver:PerformActions', { actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
      actions: [{ type: 'pointerMove', x: 200, y: 200, origin: 'viewport' }, { type: 'pointerDown', button: 2 },
        { type: 'pointerUp', button: 2 }] }] });
    await this.s.send('WebDriver:ReleaseActions', {});
    return this.chooseMenuItem('contentAreaContextMenu');
  }

  // The selected tab's context menu in the tab strip (opened where a right-click on the tab opens it), then
  // certdoctor's item.
  async contextMenuOnTab() {
    await this.showSiteTab();
    await this.s.chrome(() => {
      const tab = gBrowser.selectedTab;
      const r = tab.getBoundingClientRect();
      document.getElementById('tabContextMenu').openPopupAtScreen(window.mozInnerScreenX + r.left + r.width / 2,
        window.mozInnerScreenY + r.top + r.height / 2, true);
    });
    return this.chooseMenuItem('tabContextMenu');
  }

  async chooseMenuItem(menuId) {
    const label = JSON.parse(fs.readFileSync(path.join(ROOT, 'extension/_locales/en/messages.json'), 'utf8'))
      .contextMenuDiagnose.message;
    for (let i = 0; i < 100; i++) {
      const r = await this.s.chrome((id, text) => {
        const menu = document.getElementById(id);
        if (menu.state !== 'open') return null;
        const item = [...menu.querySelectorAll('menuitem')].find((m) => m.getAttribute('label') === text && !m.hidden);
        if (!item) { menu.hidePopup(); return 'missing'; }
        menu.activateItem(item);
        return 'chosen';
      }, menuId, label);
      if (r) return r;
      await sleep(50);
    }
    return 'not opened';
  }

  // The Diagnose page tab for the site tab, once it shows a settled state; content commands then go to it.
  async diagnosePage({ settled = true } = {}) {
    for (let i = 0; i < 300; i++) {
      await this.s.setContext('content');
      const handles = await this.s.send('WebDriver:GetWindowHandles');
      for (const h of handles.filter((x) => x !== this.site && x !== this.helper)) {
        await this.s.send('WebDriver:SwitchToWindow', { handle: h, focus: false });
        const state = await this.s.content(() => location.href.includes('/diagnose.html?') ? document.body.dataset.state || '' : null)
          .catch(() => null);
        if (state && (!settled || !['checking', 'removing', 'undoing'].includes(state))) return { handle: h, state };
      }
      await sleep(50);
    }
    throw new Error('no Diagnose page');
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
