/**
 * The Electron main process, kept thin: lifecycle, one window, security
 * settings, and the IPC transport. All behaviour lives in main/services,
 * shared with web mode; IPC goes through the same router (validation and
 * error mapping) as HTTP.
 */
import { join } from 'node:path';
import { BrowserWindow, app, dialog, ipcMain, session, type WebContents } from 'electron';
import { API_METHOD_NAMES, IPC_EVENT_CHANNEL, ipcChannel } from '../api/contract/index.js';
import { ApiEventBus } from '../api/ApiEventBus.js';
import { createRouter } from '../api/router.js';
import { createDefaultServices } from '../services/createDefaultServices.js';
import { utilityTrainerSpawner } from './utilityTrainerSpawner.js';
import { resolveDataDir } from '../services/resolveDataDir.js';
import { APP_ORIGIN, ELECTRON_CSP, handleAppProtocol, registerAppScheme } from './appProtocol.js';
import { openExternalSafely } from './openExternalSafely.js';
import { createPickers } from './fileDialogs.js';
import { ipcHandler } from './ipcHandler.js';
import { denyDevicePermission, denyPermissionCheck, denyPermissionRequest } from './permissionPolicy.js';

registerAppScheme();
// A second launch focuses the first window instead (two mains would fight over the data dir).
const isPrimaryInstance = app.requestSingleInstanceLock();
if (!isPrimaryInstance) app.quit();

const appRoot = app.getAppPath();
const events = new ApiEventBus();

function isOurPage(url: string): boolean {
  return url.startsWith(APP_ORIGIN + '/');
}

function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isOurPage(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOurPage(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    void openExternalSafely(url);
    return { action: 'deny' };
  });
}

function registerIpc(): void {
  // The pickers: paths from the system dialog (checked in fileDialogs.ts), parented to the focused window,
  // so the renderer never types or sees a path it could not have chosen.
  const { pickFile, pickPath } = createPickers((options) => {
    const win = BrowserWindow.getFocusedWindow();
    return win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options);
  });
  const { handlers, dispose } = createDefaultServices({ mode: 'electron', dataDir: resolveDataDir(), appRoot, events, spawnTrainer: utilityTrainerSpawner, pickFile, pickPath });
  // Quitting stops trainers after their current step (checkpointed) and closes the store.
  let disposed = false;
  app.on('will-quit', (e) => {
    if (disposed) return;
    e.preventDefault();
    disposed = true;
    void dispose().finally(() => app.quit());
  });
  const route = createRouter(handlers);
  for (const method of API_METHOD_NAMES) {
    // Only our own page may call the API (not a frame or a page navigated elsewhere).
    ipcMain.handle(ipcChannel(method), ipcHandler(route, method, isOurPage));
  }
  events.onAny((event, payload) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'Clipo Workbench',
    show: false,
    webPreferences: {
      preload: join(appRoot, 'dist', 'main', 'electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

app.on('web-contents-created', (_event, contents) => hardenContents(contents));
app.on('second-instance', () => {
  const [win] = BrowserWindow.getAllWindows();
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

void app.whenReady().then(() => {
  if (!isPrimaryInstance) return;
  const ses = session.defaultSession;
  // Belt and braces: the app:// handler sets the CSP too; this covers any other response.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [ELECTRON_CSP] } });
  });
  // No web permission is ever granted: requests, checks and devices (HID, serial, USB) alike.
  ses.setPermissionRequestHandler(denyPermissionRequest);
  ses.setPermissionCheckHandler(denyPermissionCheck);
  ses.setDevicePermissionHandler(denyDevicePermission);
  handleAppProtocol(join(appRoot, 'dist', 'renderer'));
  registerIpc();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
