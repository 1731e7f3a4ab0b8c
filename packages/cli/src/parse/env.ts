import { checkEnv, InvalidArgumentError } from '@corral/sdk';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Turns repeated `--env K=V` flags into a record; a later flag wins over an earlier one. */
export function parseEnvPairs(pairs: readonly string[], flag = '--env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (eq === -1 || !NAME.test(name)) {
      throw new InvalidArgumentError(
        `${flag} ${JSON.stringify(pair)} is not NAME=VALUE. Write it as ${flag} NAME=value, where NAME is letters, digits and _ and does not start with a digit.`,
      );
    }
    env[name] = pair.slice(eq + 1);
  }
  checkEnv(env, flag);
  return env;
}

/** Turns repeated `--label k=v` flags into a record. */
export function parseLabelPairs(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new InvalidArgumentError(
        `--label ${JSON.stringify(pair)} is not key=value. Write it as --label team=infra.`,
      );
    }
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}
