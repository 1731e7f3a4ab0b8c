/**
 * Label and field selectors with the apiserver's grammar: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a` for labels; `path=value`, `path!=value` for fields.
 */
import { badRequest } from './status-error.js';
import type { KubeObject } from './types.js';

type LabelRequirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type Matcher = (object: KubeObject) => boolean;

const always: Matcher = () => true;

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function checkKey(key: string, selector: string): string {
  if (!LABEL_KEY.test(key)) {
    throw badRequest(
      `unable to parse requirement: invalid label key "${key}" in selector "${selector}"`,
    );
  }
  return key;
}

export function parseLabelSelector(selector: string | undefined): Matcher {
  if (selector === undefined || selector.trim() === '') return always;
  const requirements: LabelRequirement[] = splitTerms(selector).map((term) => {
    let m = /^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      return { op: m[2] as 'in' | 'notin', key: checkKey(m[1]!, selector), values };
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      return { op: m[2] === '!=' ? 'neq' : 'eq', key: checkKey(m[1]!, selector), value: m[3]! };
    }
    m = /^(!?)\s*([^=!\s()]+)$/.exec(term);
    if (m) return { op: m[1] === '!' ? 'notexists' : 'exists', key: checkKey(m[2]!, selector) };
    throw badRequest(
      `unable to parse requirement: found '${term}', expected a label selector term`,
    );
  });
  return (object) => {
    const labels = object.metadata.labels ?? {};
    return requirements.every((r) => {
      const has = Object.hasOwn(labels, r.key);
      const value = labels[r.key];
      switch (r.op) {
        case 'eq':
          return has && value === r.value;
        case 'neq':
          return !has || value !== r.value;
        case 'in':
          return has && r.values.includes(value!);
        case 'notin':
          return !has || !r.values.includes(value!);
        case 'exists':
          return has;
        case 'notexists':
          return !has;
      }
    });
  };
}

function readPath(object: unknown, path: string): string {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return '';
  return typeof current === 'string' ? current : JSON.stringify(current);
}

/**
 * @param supported field paths this resource accepts; `undefined` accepts any dotted path.
 */
export function parseFieldSelector(
  selector: string | undefined,
  supported?: readonly string[],
): Matcher {
  if (selector === undefined || selector.trim() === '') return always;
  const terms = splitTerms(selector).map((term) => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = m[1]!;
    if (supported !== undefined && !supported.includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, negate: m[2] === '!=', value: m[3]!.trim() };
  });
  return (object) => terms.every((t) => (readPath(object, t.field) === t.value) !== t.negate);
}
