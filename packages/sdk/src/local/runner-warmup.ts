/**
 * Runs one no-op command through a freshly started runner, so the first command of a pooled
 * sandbox does not pay for the runner's cold code paths (JIT, first spawn). Plain `node:http`
 * over the unix socket: this is provider plumbing, not the SDK's runner client.
 */
import http from 'node:http';

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
            : reject(new Error(`runner warm-up answered ${res.statusCode}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('runner warm-up timed out')));
    req.on('error', reject);
    req.end(JSON.stringify({ cmd: ['true'] }));
  });
}
