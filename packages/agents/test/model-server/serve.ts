/**
 * The scripted model server as a process, for trying `corral agent run` by hand without a real
 * API: `npx tsx packages/agents/test/model-server/serve.ts --key sk-test [--script steps.json]`.
 * It prints its URL; point ANTHROPIC_BASE_URL (Claude Code) or OPENAI_BASE_URL (Codex) at it and
 * use the same key. The script is a JSON array of steps (see `ScriptStep`); without one every
 * request is answered with a short text. Ends on Ctrl-C.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startModelServer, type ScriptStep } from './model-server.js';

const { values } = parseArgs({
  options: { key: { type: 'string' }, script: { type: 'string' } },
});
if (!values.key) {
  process.stderr.write('usage: serve.ts --key <key> [--script steps.json]\n');
  process.exit(2);
}
const steps = values.script
  ? (JSON.parse(await readFile(values.script, 'utf8')) as ScriptStep[])
  : [];
const server = await startModelServer({ key: values.key, steps });
process.stdout.write(`${server.url}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
