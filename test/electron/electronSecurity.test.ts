/**
 * Electron hardening that can be checked without launching Electron (its
 * binary cannot run here): the permission policy denies every request, check
 * and device; main.ts installs all three handlers on the session; external
 * links open at once only for the hosts the app links to, and any other https
 * host only after the user confirms.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const openExternal = vi.fn(async () => undefined);
const showMessageBox = vi.fn(async () => ({ response: 0 }));
const sessionCalls = new Map<string, unknown>();
const session = {
  defaultSession: {
    webRequest: { onHeadersReceived: vi.fn() },
    setPermissionRequestHandler: (h: unknown) => sessionCalls.set('request', h),
    setPermissionCheckHandler: (h: unknown) => sessionCalls.set('check', h),
    setDevicePermissionHandler: (h: unknown) => sessionCalls.set('device', h),
  },
};
let ready: () => void = () => undefined;
const whenReady = new Promise<void>((r) => { ready = r; });

vi.mock('electron', () => ({
  shell: { openExternal },
  dialog: { showMessageBox },
  session,
  app: {
    requestSingleInstanceLock: () => true, getAppPath: () => process.cwd(), on: vi.fn(), quit: vi.fn(),
    whenReady: () => whenReady,
  },
  BrowserWindow: class { static getAllWindows() { return []; } once() {} loadURL() { return Promise.resolve(); } },
  ipcMain: { handle: vi.fn() },
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  utilityProcess: { fork: vi.fn() },
}));

describe('permission policy', () => {
  it('denies every permission request, check and device', async () => {
    const { denyDevicePermission, denyPermissionCheck, denyPermissionRequest } = await import('../../main/electron/permissionPolicy.js');
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'midiSysex', 'hid', 'serial', 'usb', 'fullscreen', 'openExternal']) {
      const cb = vi.fn();
      denyPermissionRequest({}, p, cb);
      expect(cb, p).toHaveBeenCalledWith(false);
    }
    expect(denyPermissionCheck()).toBe(false);
    expect(denyDevicePermission()).toBe(false);
  });

  it('main.ts installs the request, check and device handlers on the session', async () => {
    process.env.CLIPO_DATA_DIR = mkdtempSync(join(tmpdir(), 'electron-main-'));
    const policy = await import('../../main/electron/permissionPolicy.js');
    await import('../../main/electron/main.js');
    ready();
    await vi.waitFor(() => expect(sessionCalls.size).toBe(3));
    expect(sessionCalls.get('request')).toBe(policy.denyPermissionRequest);
    expect(sessionCalls.get('check')).toBe(policy.denyPermissionCheck);
    expect(sessionCalls.get('device')).toBe(policy.denyDevicePermission);
  });
});

describe('openExternalSafely', () => {
  it('opens the app\'s own hosts, asks for any other https host, refuses everything else', async () => {
    const { externalUrlDecision, openExternalSafely } = await import('../../main/electron/openExternalSafely.js');
    for (const u of ['https://huggingface.co/Qwen', 'https://cdn-lfs.huggingface.co/x', 'https://github.com/ggml-org/llama.cpp', 'https://arxiv.org/abs/2402.03300'])
      expect(externalUrlDecision(u), u).toBe('open');
    for (const u of ['https://example.com/docs', 'https://huggingface.co.evil.example/x', 'https://evilgithub.com/', 'https://xn--hggingface-q9a.co/'])
      expect(externalUrlDecision(u), u).toBe('confirm');
    for (const u of ['http://huggingface.co', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@github.com', 'https://github.com:8443/', 'not a url'])
      expect(externalUrlDecision(u), u).toBe('refuse');

    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await openExternalSafely('file:///etc/passwd')).toBe(false);
    expect(await openExternalSafely('https://example.com/docs')).toBe(false); // the dialog answered Cancel
    expect(showMessageBox).toHaveBeenCalledTimes(1);
    expect(openExternal).not.toHaveBeenCalled();
    showMessageBox.mockResolvedValueOnce({ response: 1 });
    expect(await openExternalSafely('https://example.com/docs')).toBe(true);
    expect(openExternal).toHaveBeenLastCalledWith('https://example.com/docs');
    expect(await openExternalSafely('https://huggingface.co/Qwen')).toBe(true);
    expect(showMessageBox).toHaveBeenCalledTimes(2);
  });
});
