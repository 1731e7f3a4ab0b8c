import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText, stream } from '../api.js';
import type { Check, CheckDone, Settings } from '../types.js';

export interface ConnectionTest {
  checks: Check[];
  done: CheckDone | null;
  running: boolean;
  /** Tests `settings` as they stand in the form (not as saved); a new run aborts the previous. */
  run: (settings: Settings) => Promise<void>;
}

/**
 * Follows `POST /test-connection`: each `check` event adds or replaces the check with its id (a
 * check is sent again when it finishes), `done` ends the run. The stream is aborted on unmount.
 */
export function useConnectionTest(onError: (text: string) => void): ConnectionTest {
  const [checks, setChecks] = useState<Check[]>([]);
  const [done, setDone] = useState<CheckDone | null>(null);
  const [running, setRunning] = useState(false);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const run = async (settings: Settings): Promise<void> => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setChecks([]);
    setDone(null);
    setRunning(true);
    try {
      await stream(
        '/test-connection',
        (event) => {
          if (event.type === 'check') {
            const check = event.data as Check;
            setChecks((list) => {
              const at = list.findIndex((c) => c.id === check.id);
              if (at < 0) return [...list, check];
              const copy = list.slice();
              copy[at] = check;
              return copy;
            });
          } else if (event.type === 'done') setDone(event.data as CheckDone);
        },
        { method: 'POST', body: settings, signal: controller.signal },
      );
    } catch (e) {
      if (!controller.signal.aborted) onError(errorText(e));
    } finally {
      // A newer run owns the flag once it has started.
      if (abort.current === controller) setRunning(false);
    }
  };
  return { checks, done, running, run };
}
