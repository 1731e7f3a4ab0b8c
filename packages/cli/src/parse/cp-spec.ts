import { InvalidArgumentError } from '@corral/sdk';

export type CpEndpoint =
  { kind: 'local'; path: string } | { kind: 'sandbox'; id: string; path: string };

// `<id>:<path>`; a local path that contains a colon can be written as `./a:b`.
const REMOTE = /^([A-Za-z0-9][A-Za-z0-9_.-]*):(.*)$/;

export function parseCpEndpoint(spec: string): CpEndpoint {
  const match = REMOTE.exec(spec);
  if (!match || spec.startsWith('./') || spec.startsWith('/')) return { kind: 'local', path: spec };
  const [, id = '', path = ''] = match;
  if (path.length === 0) {
    throw new InvalidArgumentError(
      `${JSON.stringify(spec)} has no path after the colon. Write <id>:<path>, e.g. ${id}:out/result.txt.`,
    );
  }
  return { kind: 'sandbox', id, path };
}

/** Exactly one side of `corral sandbox cp` is in a sandbox. */
export function parseCpPair(
  source: string,
  destination: string,
): { from: CpEndpoint; to: CpEndpoint } {
  const from = parseCpEndpoint(source);
  const to = parseCpEndpoint(destination);
  if (from.kind === to.kind) {
    throw new InvalidArgumentError(
      from.kind === 'local'
        ? `Neither ${JSON.stringify(source)} nor ${JSON.stringify(destination)} names a sandbox. Write one side as <id>:<path>, e.g. corral sandbox cp ./in.txt sbx-1a2b:in.txt.`
        : 'Both sides name a sandbox. Copy through the host in two steps: <id>:<path> to a local file, then the local file to <id>:<path>.',
    );
  }
  return { from, to };
}
