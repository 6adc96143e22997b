// The packaged app finds the committed reasoner next to app.asar, in app.asar.unpacked (electron-builder's
// asarUnpack), on Windows as on macOS/Linux: llama.cpp cannot open a file inside the archive.
import { describe, expect, it } from 'vitest';
import { asarUnpacked } from '../../main/models/reasoner/reasonerFile.js';

describe('asarUnpacked', () => {
  it.each([
    ['/opt/Clipo/resources/app.asar/models/reasoner', '/opt/Clipo/resources/app.asar.unpacked/models/reasoner'],
    ['C:\\Program Files\\Clipo\\resources\\app.asar\\models\\reasoner', 'C:\\Program Files\\Clipo\\resources\\app.asar.unpacked\\models\\reasoner'],
    ['/home/me/clipo/models/reasoner', '/home/me/clipo/models/reasoner'],
    ['/data/app.asarx/models', '/data/app.asarx/models'],
    ['/already/app.asar.unpacked/models', '/already/app.asar.unpacked/models'],
  ])('%s → %s', (from, to) => {
    expect(asarUnpacked(from)).toBe(to);
  });
});
