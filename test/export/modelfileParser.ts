// A Modelfile parser for tests, following Ollama's grammar.
/** Parser following Ollama's grammar: INSTRUCTION args, with """ multi-line and "quoted" values. */
export function parseModelfile(text: string): { cmd: string; args: string }[] {
  const out: { cmd: string; args: string }[] = [];
  let i = 0;
  const lines = text.split('\n');
  while (i < lines.length) {
    const line = lines[i]!;
    i++;
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`bad Modelfile line: ${line}`);
    const cmd = m[1]!.toUpperCase();
    let args = m[2]!;
    if (!['FROM', 'ADAPTER', 'TEMPLATE', 'SYSTEM', 'PARAMETER', 'LICENSE', 'MESSAGE'].includes(cmd)) throw new Error(`unknown instruction ${cmd}`);
    if (args.startsWith('"""')) {
      let body = args.slice(3);
      while (!body.endsWith('"""')) {
        if (i >= lines.length) throw new Error('unterminated """');
        body += '\n' + lines[i++];
      }
      args = body.slice(0, -3);
    }
    out.push({ cmd, args });
  }
  return out;
}
