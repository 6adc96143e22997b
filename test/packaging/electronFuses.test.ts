// electron-builder.yml flips Electron's fuses in the packaged binary (issue 16: none were set).
// The option names are checked against electron-builder's own FuseOptionsV1, so a misspelled
// key (which electron-builder would ignore) fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const config = load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as { electronFuses?: Record<string, unknown> };

describe('electron-builder fuses', () => {
  it('turn off Node entry points and load only the integrity-checked app.asar', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('uses option names electron-builder 26 knows (app-builder-lib FuseOptionsV1)', () => {
    const dts = readFileSync(join(root, 'node_modules', 'app-builder-lib', 'out', 'configuration.d.ts'), 'utf8');
    expect(dts).toMatch(/readonly electronFuses\?: FuseOptionsV1/);
    const body = /export interface FuseOptionsV1 \{([\s\S]*?)\n\}/.exec(dts)![1]!;
    const known = [...body.matchAll(/^\s+(\w+)\?: boolean;/gm)].map((m) => m[1]);
    for (const key of Object.keys(config.electronFuses ?? {})) expect(known, key).toContain(key);
  });
});
