// Electron cannot launch here, so the preload is tested with a mocked 'electron'
// module: it must expose exactly one function per contract method (each bound to
// its own channel) and validate event names. The link policy: electronSecurity.test.ts.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { API_METHOD_NAMES, IPC_EVENT_CHANNEL, type ApiBridge } from '../../main/api/contract/index.js';

const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (channel: string, args: unknown) => ({ ok: true, value: { channel, args } }));
const ipcListeners = new Map<string, (event: unknown, message: unknown) => void>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    invoke,
    on: (channel: string, listener: (event: unknown, message: unknown) => void) => ipcListeners.set(channel, listener),
  },
}));

describe('preload', () => {
  beforeEach(async () => {
    if (!exposed.has('clipo')) await import('../../main/electron/preload.js');
  });

  it('exposes only `clipo`: one function per API method plus on()', () => {
    expect([...exposed.keys()]).toEqual(['clipo']);
    const bridge = exposed.get('clipo') as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual([...API_METHOD_NAMES, 'on'].sort());
    for (const key of Object.keys(bridge)) expect(typeof bridge[key]).toBe('function');
  });

  it('sends each method on its own channel', async () => {
    const bridge = exposed.get('clipo') as ApiBridge;
    await expect(bridge['runs.get']({ runId: 'r1' })).resolves.toEqual({ ok: true, value: { channel: 'clipo:runs.get', args: { runId: 'r1' } } });
    await bridge['app.info'](undefined as never);
    expect(invoke).toHaveBeenLastCalledWith('clipo:app.info', {});
  });

  it('validates event names and delivers pushed events to subscribers', () => {
    const bridge = exposed.get('clipo') as ApiBridge;
    expect(() => bridge.on('nope' as never, () => undefined)).toThrow(/Unknown event/);
    const got: unknown[] = [];
    const off = bridge.on('run.step', (p) => got.push(p));
    const push = ipcListeners.get(IPC_EVENT_CHANNEL)!;
    push({}, { event: 'run.step', payload: { step: 1 } });
    push({}, { event: 'run.status', payload: { ignored: true } });
    push({}, { event: 'constructor', payload: {} });
    off();
    push({}, { event: 'run.step', payload: { step: 2 } });
    expect(got).toEqual([{ step: 1 }]);
  });
});
