import { InvalidArgumentError } from '@corral/sdk';
import { OUTPUT_FORMATS } from './flags.js';
import type { OutputFormat } from './flags.js';

/**
 * The output format of a command that has both `--json` (every corral command) and `-o`: `--json`
 * is `-o json`. Unknown values fail before anything is contacted.
 */
export function outputFormat(
  flags: { output?: string; json?: boolean },
  formats: readonly OutputFormat[] = OUTPUT_FORMATS,
): OutputFormat {
  const value = flags.output ?? 'table';
  if (!(formats as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `-o ${JSON.stringify(value)} is not an output format here; use one of ${formats.join(', ')}.`,
    );
  }
  if (flags.json === true) {
    if (value !== 'table' && value !== 'json') {
      throw new InvalidArgumentError(`--json and -o ${value} disagree; pass only one of them.`);
    }
    return 'json';
  }
  return value as OutputFormat;
}

/** Machine-readable formats keep stdout to one document, so status lines must stay off it. */
export function isMachineFormat(format: OutputFormat): boolean {
  return format === 'json' || format === 'yaml';
}
