/** A local sandbox's `SandboxInfo`, from its record. */
import { join } from 'node:path';
import { labelsToInfo } from '../labels.js';
import type { SandboxInfo } from '../provider.js';
import type { SandboxRecord } from './state.js';

export function localSandboxInfo(
  record: SandboxRecord,
  context: {
    provider: string;
    stateDir: string;
    running: boolean;
    stderrTail?: string | undefined;
  },
): SandboxInfo {
  const { stateDir } = context;
  return {
    id: record.id,
    provider: context.provider,
    state: context.running ? 'running' : 'stopped',
    createdAt: new Date(record.createdAt),
    ...(record.expiresAt ? { expiresAt: new Date(record.expiresAt) } : {}),
    isolation: {
      level: record.level,
      detail: record.detail,
      network: record.network,
      limitsApplied: record.limitsApplied,
      limitsNotApplied: record.limitsNotApplied ?? {},
      warnings: record.warnings,
    },
    ...labelsToInfo(record.labels),
    metadata: {
      pid: String(record.pid),
      workDir: join(stateDir, record.id, 'work'),
      stateDir: join(stateDir, record.id),
      ...(record.uid === undefined ? {} : { uid: String(record.uid) }),
      ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
      ...(record.creatorUid === undefined ? {} : { creatorUid: String(record.creatorUid) }),
      ...(context.stderrTail ? { stderrTail: context.stderrTail } : {}),
    },
  };
}
