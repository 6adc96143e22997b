/**
 * Quoting for the two languages a launch-script override passes through: bash, then Hydra's
 * override grammar (then OmegaConf's interpolation grammar for string values).
 *
 * Hydra (website/docs/advanced/override_grammar/basic.md, "Quoted values"; hydra/grammar/OverrideLexer.g4):
 * an unquoted value may not contain `\()[]{}:=,` or spaces and cannot hold arbitrary text (the demo's
 * name "Demo (tiny model, GRPO)" is a parse error). A single-quoted value holds any character; a quote
 * inside is written `\'`, and every run of backslashes that precedes a quote (an escaped one or the
 * closing one) is doubled. OmegaConf then resolves `${...}` inside strings as an interpolation
 * (`${oc.env:HOME}` would read the environment); `\${` is its escape, with the backslashes before it
 * doubled the same way. So hydraQuote's output always reads back as exactly the input string.
 *
 * Bash: every argument is one single-quoted word (`'` written as `'\''`), so `$(...)`, backticks,
 * newlines and globs in user text are never evaluated.
 */

export function hydraQuote(s: string): string {
  let out = s.replace(/(\\*)\$\{/g, (_m, bs: string) => `${bs}${bs}\\\${`);
  out = out.replace(/(\\*)'/g, (_m, bs: string) => `${bs}${bs}\\'`);
  out = out.replace(/(\\+)$/, (bs) => bs + bs);
  return `'${out}'`;
}

/** One bash word: the string verbatim, whatever it contains. */
export function bashWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A value from a fixed vocabulary (loss modes, estimators, module regexes we build): must be a plain Hydra token. */
export function hydraToken(s: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_\-.]*$/.test(s)) throw new Error(`internal: "${s}" is not a plain Hydra token; quote it`);
  return s;
}

/** A number as Hydra reads it (int or float literal); non-finite numbers are a bug upstream. */
export function hydraNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`internal: non-finite override value ${n}`);
  return String(n);
}

/** Text safe inside a `#` comment or a Markdown line: control characters (newline!) shown escaped. */
export function commentSafe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
