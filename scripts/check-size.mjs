#!/usr/bin/env node
/**
 * The size bounds of product code (issue 10): no file over 500 lines, no function over 150.
 * Long files and functions hide several concerns; past these bounds a change is hard to review.
 * Product code is every package's `src/` and the console's `ui/`; tests, benches and scripts are
 * not bound. A file that says `@generated` in its first lines is exempt.
 *
 * `scripts/check-size-known.json` lists what was over the bounds when this check came in, with its
 * size then: those may shrink but not grow, and nothing new may join them. Remove an entry once
 * it is under the bound (the check says so); the goal is an empty list.
 *
 *   node scripts/check-size.mjs          exits 1 and lists what is over
 *   node scripts/check-size.mjs --top 20 also lists the 20 longest files and functions
 *
 * Function length counts from the line of its first token to the line of its last, nested
 * functions included (a long closure is long however it is made).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const MAX_FILE_LINES = 500;
export const MAX_FUNCTION_LINES = 150;

const root = fileURLToPath(new URL('..', import.meta.url));

function* sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') yield* sourceFiles(path);
    } else if (/\.(m?ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      yield path;
    }
  }
}

function productFiles() {
  const packages = join(root, 'packages');
  const files = [];
  for (const pkg of readdirSync(packages, { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue;
    for (const sub of ['src', 'ui']) files.push(...sourceFiles(join(packages, pkg.name, sub)));
  }
  return files.sort();
}

function lineCount(text) {
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

function isGenerated(text) {
  return /@generated\b/.test(text.split('\n', 5).join('\n'));
}

function functionName(node, source) {
  if (node.name !== undefined) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) {
    return parent.name.getText(source);
  }
  if (ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  return '(anonymous)';
}

/** Every function with a body in `text`, with its length in lines. */
export function functionLengths(path, text) {
  const kind = path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: functionName(node, source), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function readKnown() {
  const text = readFileSync(join(root, 'scripts', 'check-size-known.json'), 'utf8');
  return JSON.parse(text);
}

export function measure() {
  const files = [];
  const functions = [];
  for (const path of productFiles()) {
    const text = readFileSync(path, 'utf8');
    if (isGenerated(text)) continue;
    const file = relative(root, path);
    files.push({ file, lines: lineCount(text) });
    for (const fn of functionLengths(path, text)) functions.push({ file, ...fn });
  }
  return { files, functions };
}

function main(argv) {
  const topAt = argv.indexOf('--top');
  const top = topAt === -1 ? 0 : Number(argv[topAt + 1] ?? 10);
  const { files, functions } = measure();
  if (top > 0) {
    console.log(`Longest files (of ${files.length}):`);
    for (const f of [...files].sort((a, b) => b.lines - a.lines).slice(0, top)) {
      console.log(`  ${String(f.lines).padStart(5)}  ${f.file}`);
    }
    console.log(`Longest functions (of ${functions.length}):`);
    for (const f of [...functions].sort((a, b) => b.lines - a.lines).slice(0, top)) {
      console.log(`  ${String(f.lines).padStart(5)}  ${f.file}:${f.line} ${f.name}`);
    }
  }
  const known = readKnown();
  const problems = [];
  const notes = [];
  const check = (key, lines, max, what, fix) => {
    const allowed = known[key];
    if (lines > max && allowed === undefined)
      problems.push(`${what} has ${lines} lines (at most ${max}); ${fix}`);
    else if (lines > max && lines > allowed)
      problems.push(
        `${what} grew to ${lines} lines (known at ${allowed}, bound ${max}); shrink it, do not grow it.`,
      );
    else if (lines <= max && allowed !== undefined)
      notes.push(`${key} is within the bound now: remove it from scripts/check-size-known.json.`);
  };
  const seen = new Set();
  for (const f of files) {
    seen.add(f.file);
    check(f.file, f.lines, MAX_FILE_LINES, f.file, 'split it by concern.');
  }
  // Functions are keyed by file and name (line numbers move); the longest of a name counts.
  const byKey = new Map();
  for (const f of functions) {
    const key = `${f.file}#${f.name}`;
    if ((byKey.get(key)?.lines ?? 0) < f.lines) byKey.set(key, f);
  }
  for (const [key, f] of byKey) {
    seen.add(key);
    check(
      key,
      f.lines,
      MAX_FUNCTION_LINES,
      `${f.file}:${f.line}: function ${f.name}`,
      'move its parts into named functions.',
    );
  }
  for (const key of Object.keys(known)) {
    if (!seen.has(key)) notes.push(`${key} is gone: remove it from scripts/check-size-known.json.`);
  }
  for (const note of notes) console.error(note);
  for (const problem of problems) console.error(problem);
  if (problems.length + notes.length > 0) return 1;
  const over = Object.keys(known).length;
  console.log(
    `check-size: ${files.length} files <= ${MAX_FILE_LINES} lines, ` +
      `${functions.length} functions <= ${MAX_FUNCTION_LINES} lines` +
      (over > 0 ? ` (but ${over} known, listed in scripts/check-size-known.json).` : '.'),
  );
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
