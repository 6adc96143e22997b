/**
 * `--checkpoint N` of `clipo eval` and `clipo export`: N is the step as people count it (the progress line's
 * "checkpoint after step N", `clipo show`, the app), so the stored step is N − 1 (api/contract/stepNumbers).
 * `alternatives` names what else the flag takes, for the error ("base, latest or ").
 */
import { storedStep } from '../api/contract/index.js';
import { CliError } from './CliError.js';

export function checkpointArg(value: string, alternatives = ''): number {
  const shown = Number(value);
  if (!Number.isSafeInteger(shown) || shown < 1) throw new CliError(`--checkpoint must be ${alternatives}a step number (1 or more, as \`clipo show\` lists them)`);
  return storedStep(shown);
}
