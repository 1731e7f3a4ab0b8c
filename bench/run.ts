/**
 * `npm run bench [-- --quick] [-- <filter>]`: runs every `bench/**\/*.bench.ts` and prints one
 * table with each figure beside its baseline and goal.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Benchmark, BenchRow } from './lib.js';

async function findBenchFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.bench.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function format(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function printTable(sections: { title: string; rows: BenchRow[] }[]): void {
  const lines: string[][] = [['benchmark', 'value', 'baseline', 'goal']];
  for (const { title, rows } of sections) {
    lines.push([`# ${title}`, '', '', '']);
    for (const row of rows) {
      lines.push([
        `  ${row.name}`,
        format(row.value, row.unit),
        row.baseline ? `${format(row.baseline.value, row.unit)} (${row.baseline.label})` : '',
        row.goal ? `${row.goal.text} ${row.goal.met ? 'met' : 'NOT met'}` : '',
      ]);
    }
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  for (const line of lines) {
    console.log(
      line
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const filters = args.filter((a) => !a.startsWith('--'));
  const root = import.meta.dirname;
  const files = (await findBenchFiles(root)).filter(
    (f) => filters.length === 0 || filters.some((filter) => f.includes(filter)),
  );
  const sections: { title: string; rows: BenchRow[] }[] = [];
  let failed = false;
  for (const file of files) {
    const bench = (await import(pathToFileURL(file).href)) as { default: Benchmark };
    process.stderr.write(`running ${relative(root, file)} ...\n`);
    try {
      sections.push({ title: bench.default.title, rows: await bench.default.run({ quick }) });
    } catch (error) {
      failed = true;
      console.error(`${relative(root, file)} failed:`, error);
    }
  }
  printTable(sections);
  // The benchmarks share this process; a handle one of them leaves open (a keep-alive socket, a
  // child it could not reap) must not keep `npm run bench` from returning once the table is out.
  process.exit(failed ? 1 : 0);
}

await main();
