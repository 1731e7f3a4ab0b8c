/**
 * The server's `generic` agent: the task's prompt is a shell script run in the workspace. No model
 * is involved, so it works anywhere. In plan mode it shows the script as the plan (and keeps it in
 * the sandbox's `$HOME`, outside the workspace); the approved execution runs the kept script.
 * Output lines that are Corral event objects pass through (the agents package's generic parser).
 */
import { genericParser, type AgentProfile, type OutputParser, type RunMode } from '@corral/agents';

const PLAN_PREFIX = 'corral-plan> ';

const SCRIPT = `
mode="$1"; prompt="$2"; kept="$HOME/.corral-generic-task.sh"
if [ "$mode" = plan ]; then
  printf '%s\\n' "$prompt" > "$kept"
  printf '%s\\n' "$prompt" | sed 's/^/${PLAN_PREFIX}/'
  exit 0
fi
if [ -f "$kept" ]; then exec /bin/sh -e "$kept"; fi
exec /bin/sh -ec "$prompt"
`;

function parser(mode: RunMode): OutputParser {
  const inner = genericParser();
  const plan: string[] = [];
  return {
    line(line) {
      if (mode === 'plan' && line.startsWith(PLAN_PREFIX)) {
        plan.push(line.slice(PLAN_PREFIX.length));
        return [];
      }
      return inner.line(line);
    },
    end(exit) {
      if (mode !== 'plan') return inner.end(exit);
      const text = `Run this shell script in the workspace:\n${plan.join('\n')}`;
      return [
        { type: 'assistant.text', text },
        { type: 'plan.ready', plan: text },
        ...inner.end(exit).map((e) => (e.type === 'result' ? { ...e, text } : e)),
      ];
    },
  };
}

export const serverGenericProfile: AgentProfile = {
  name: 'generic',
  description: 'the prompt is a shell script run in the workspace (no model)',
  api: 'none',
  hosts: [],
  command: (ctx) => ['/bin/sh', '-c', SCRIPT, 'corral-generic', ctx.mode, ctx.prompt],
  env: () => ({}),
  parser,
};
