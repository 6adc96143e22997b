/**
 * Links the renderer asks to open leave the app only as https URLs handed to
 * the OS browser; everything else (file:, javascript:, custom schemes that
 * launch other programs, credentials in the URL, odd ports) is dropped. Hosts
 * the app itself links to open at once; any other https host opens only after
 * the user confirms a dialog showing the full URL (a compromised or tricked
 * renderer cannot silently send the user to an arbitrary site).
 */
import { dialog, shell } from 'electron';

/** Hosts the UI links to (model pages, docs, issues); their subdomains too. */
export const TRUSTED_HOSTS = ['huggingface.co', 'hf.co', 'github.com', 'githubusercontent.com', 'ollama.com', 'arxiv.org'] as const;

export type ExternalUrlDecision = 'open' | 'confirm' | 'refuse';

export function isSafeExternalUrl(raw: string): boolean {
  return externalUrlDecision(raw) !== 'refuse';
}

export function externalUrlDecision(raw: string): ExternalUrlDecision {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'refuse';
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.hostname.length === 0 || url.port !== '') return 'refuse';
  const host = url.hostname; // lower-case, IDN as punycode (WHATWG URL)
  return TRUSTED_HOSTS.some((h) => host === h || host.endsWith(`.${h}`)) ? 'open' : 'confirm';
}

/** Asks before leaving for an unlisted host; the default button is Cancel. */
export async function confirmExternalUrl(raw: string): Promise<boolean> {
  const { response } = await dialog.showMessageBox({
    type: 'question', buttons: ['Cancel', 'Open in browser'], defaultId: 0, cancelId: 0,
    message: 'Open this link in your browser?', detail: raw.slice(0, 2000),
  });
  return response === 1;
}

export async function openExternalSafely(raw: string, confirm: (url: string) => Promise<boolean> = confirmExternalUrl): Promise<boolean> {
  const decision = externalUrlDecision(raw);
  if (decision === 'refuse' || (decision === 'confirm' && !(await confirm(raw).catch(() => false)))) {
    console.warn(`[electron] did not open external URL: ${raw.slice(0, 200)}`);
    return false;
  }
  await shell.openExternal(raw);
  return true;
}
