/**
 * Runs one no-op command through a freshly started runner, so the first command of a pooled
 * sandbox does not pay for the runner's cold code paths (JIT, first spawn). Plain `node:http`
 * over the unix socket: this is provider plumbing, not the SDK's runner client.
 */
import http from 'node:http';
import { SandboxStartError, TimeoutError } from '../errors.js';

export function warmUpRunner(socketPath: string, token: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        path: '/v1/commands',
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve()
            : reject(
                new SandboxStartError(
                  `A pooled sandbox's runner answered HTTP ${res.statusCode} to its warm-up command; the pool starts another one.`,
                ),
              ),
        );
      },
    );
    req.on('timeout', () =>
      req.destroy(
        new TimeoutError(
          `A pooled sandbox's runner did not answer its warm-up within ${timeoutMs} ms; the pool starts another one.`,
        ),
      ),
    );
    req.on('error', reject);
    req.end(JSON.stringify({ cmd: ['true'] }));
  });
}
