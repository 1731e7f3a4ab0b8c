import { defaultStateDir, detectIsolation } from '@corral/sdk';
import { limitsAdvice } from './limits-advice.js';
import type { Check, CheckOutcome } from './types.js';

/** The strongest isolation the local provider can use on this machine. */
export const localIsolationCheck: Check = {
  id: 'local-isolation',
  title: 'local isolation',
  async run(state, signal): Promise<CheckOutcome> {
    // always afresh, gVisor included; the result replaces what sandbox creation reads from cache
    const report = await detectIsolation({
      refresh: true,
      gvisor: true,
      cacheDir: defaultStateDir({ ...state.env }),
      signal,
    });
    const advice = limitsAdvice(report);
    const available = (['gvisor', 'bubblewrap', 'unshare'] as const).filter(
      (level) => report[level].available,
    );
    const data = {
      root: report.root,
      gvisor: report.gvisor,
      bubblewrap: report.bubblewrap,
      unshare: report.unshare,
      cgroups: report.cgroups.version,
      limits: report.cgroups.writable,
      cgroupsDelegated: report.cgroups.delegated,
      limitsMissing: advice.missing,
    };
    const limits = advice.summary;
    const best = available[0];
    if (best === undefined) {
      return {
        status: 'fail',
        detail: `no sandboxing mechanism works here (bubblewrap: ${report.bubblewrap.reason ?? 'missing'})`,
        fix: 'Install bubblewrap (`apt-get install bubblewrap`) or gVisor (`runsc`), or allow unprivileged user namespaces (`sysctl kernel.unprivileged_userns_clone=1`).',
        data,
      };
    }
    const detail = `${best} (available: ${available.join(', ')}); ${limits}`;
    if (best !== 'gvisor' && best !== 'bubblewrap') {
      return {
        status: 'warn',
        detail,
        fix:
          'unshare alone is weak isolation: install bubblewrap (`apt-get install bubblewrap`) or gVisor (`runsc`).' +
          (advice.fix ? ` ${advice.fix}` : ''),
        data,
      };
    }
    const gvisorWarnings = report.gvisor.available ? (report.gvisor.warnings ?? []) : [];
    if (gvisorWarnings.length > 0) {
      return {
        status: 'warn',
        detail: `${detail}; gVisor ${gvisorWarnings.join('; ')}`,
        fix:
          'Upgrade gVisor (runsc), or use the default bubblewrap isolation.' +
          (advice.fix ? ` ${advice.fix}` : ''),
        data,
      };
    }
    // sandboxes work; limits that cannot be enforced are a warning with the way to get them
    if (advice.fix) return { status: 'warn', detail, fix: advice.fix, data };
    return { status: 'ok', detail, data };
  },
};
