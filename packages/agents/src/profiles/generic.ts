/**
 * Any command as an agent. Lines that are JSON objects whose `type` is one of Corral's event
 * types pass through (so a script can speak the event stream directly); other lines become
 * `assistant.text`. The result is the process's exit status and the last text line.
 */
import type { AgentEventBody, AgentEventType } from '../events.js';
import type { AgentProfile, OutputParser } from './types.js';

const PASS_THROUGH = new Set<AgentEventType>([
  'assistant.text',
  'thinking',
  'tool.call',
  'tool.result',
  'file.changed',
  'usage',
  'error',
]);

export function genericParser(): OutputParser {
  let lastText = '';
  return {
    line(line) {
      if (line.trim() === '') return [];
      if (line.startsWith('{')) {
        try {
          const value = JSON.parse(line) as { type?: unknown; text?: unknown };
          if (typeof value.type === 'string' && PASS_THROUGH.has(value.type as AgentEventType)) {
            if (value.type === 'assistant.text' && typeof value.text === 'string')
              lastText = value.text;
            return [value as AgentEventBody];
          }
        } catch {
          // not JSON after all: plain text
        }
      }
      lastText = line;
      return [{ type: 'assistant.text', text: line }];
    },
    end(exit) {
      return [
        {
          type: 'result',
          ok: exit.exitCode === 0,
          text: lastText,
          exitCode: exit.exitCode,
          turns: 0,
          durationMs: exit.durationMs,
        },
      ];
    },
  };
}

/** A profile for `argv` run as is (the prompt is appended as the last argument). */
export function genericProfile(name: string, argv: readonly string[]): AgentProfile {
  return {
    name,
    description: `generic command: ${argv.join(' ')}`,
    api: 'none',
    hosts: [],
    command: (ctx) => [...argv, ctx.prompt],
    env: () => ({}),
    parser: genericParser,
  };
}
