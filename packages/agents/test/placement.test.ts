/**
 * The `image` placement's seams that need no cluster: how each profile's placeholder-token
 * variables are taken from the pod's key variable (run through a real shell), the base URL, the
 * limits only a gateway can enforce, and which providers default to it.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createLocalProvider } from '@corral/sdk';
import { claudeCode, codex } from '@corral/agents';
import {
  checkPlacementLimits,
  checkPlacementWorkspace,
  defaultPlacement,
  imageAgent,
  imageAgentLaunch,
  podBaseUrl,
} from '../src/placement.js';

function run(argv: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

describe('image placement', () => {
  it('Claude Code: the pod’s ANTHROPIC_API_KEY is left alone, the base URL is the pod’s', () => {
    const launch = imageAgentLaunch(
      claudeCode,
      { baseUrl: 'https://models.example.test', home: '/workspace/home' },
      ['/opt/corral/agent/claude', '-p', 'hi'],
    );
    expect(launch.env).not.toHaveProperty('ANTHROPIC_API_KEY');
    expect(launch.env.ANTHROPIC_BASE_URL).toBe('https://models.example.test');
    expect(launch.argv).toEqual(['/opt/corral/agent/claude', '-p', 'hi']);
  });

  it('Codex: its token variable is exported from the pod’s OPENAI_API_KEY at start, never in argv', async () => {
    const launch = imageAgentLaunch(codex, { baseUrl: 'https://api.openai.com', home: '/tmp' }, [
      '/usr/bin/printenv',
      'CORRAL_MODEL_TOKEN',
    ]);
    expect(launch.env).not.toHaveProperty('CORRAL_MODEL_TOKEN');
    expect(launch.argv.join(' ')).not.toContain('sk-');
    const out = await run(launch.argv, { ...launch.env, OPENAI_API_KEY: 'sk-from-the-secret' });
    expect(out.trim()).toBe('sk-from-the-secret');
  });

  it('the base URL: trailing slashes go, and /v1 for the OpenAI API (the profile adds it)', () => {
    expect(podBaseUrl('openai', 'https://api.openai.com/v1/')).toBe('https://api.openai.com');
    expect(podBaseUrl('anthropic', 'https://api.anthropic.com/')).toBe('https://api.anthropic.com');
  });

  it('the agent is at /opt/corral/agent with the install cache’s layout', () => {
    expect(imageAgent(claudeCode)).toMatchObject({
      dir: '/opt/corral/agent',
      bin: `/opt/corral/agent/${claudeCode.binary}`,
    });
  });

  it('maxTokens, maxCostUsd (and maxTurns for an agent without the flag) are refused on image, accepted on host', () => {
    expect(() => checkPlacementLimits('image', { maxTokens: 10, maxCostUsd: 1 })).toThrow(
      'maxTokens and maxCostUsd cannot be enforced when the sandbox image provides the agent',
    );
    expect(() => checkPlacementLimits('image', {})).not.toThrow();
    expect(() => checkPlacementLimits('host', { maxTokens: 10 })).not.toThrow();
    // Claude Code enforces --max-turns itself; Codex has no such flag, so only a gateway could
    expect(() => checkPlacementLimits('image', { maxTurns: 3 }, claudeCode)).not.toThrow();
    expect(() => checkPlacementLimits('image', { maxTurns: 3 }, codex)).toThrow(
      'maxTurns cannot be enforced',
    );
  });

  it('a repository on this machine is refused on image (a pod cannot see it), bound on host', () => {
    for (const repo of ['/srv/git/app.git', 'file:///srv/git/app.git'])
      expect(() => checkPlacementWorkspace('image', { repo })).toThrow(
        `workspace.repo ${repo} is a path on this machine, which a pod cannot see`,
      );
    expect(() => checkPlacementWorkspace('host', { repo: '/srv/git/app.git' })).not.toThrow();
    expect(() =>
      checkPlacementWorkspace('image', { repo: 'https://git.example.test/app.git' }),
    ).not.toThrow();
    expect(() => checkPlacementWorkspace('image', { dir: '/srv/app' })).not.toThrow();
  });

  it('a local provider defaults to host', async () => {
    const provider = createLocalProvider();
    try {
      expect(defaultPlacement(provider)).toBe('host');
    } finally {
      await provider.close();
    }
  });
});
