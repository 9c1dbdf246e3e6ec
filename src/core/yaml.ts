/**
 * YAML files a human edits (the migration config, the mapping file): parse, validate with
 * zod, and report every problem with the file name and the line it is on, because the
 * person reading the error is looking at the file in an editor, not at a zod path.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Document, LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Node as YamlNode } from 'yaml';
import type { ZodType, core } from 'zod';
import { didYouMean } from './did-you-mean.js';
import { ConfigError } from './errors.js';

/** One problem in a YAML file, positioned for an editor (1-based line and column). */
export interface YamlIssue {
  line: number;
  column: number;
  /** Dotted path with [index] for list items, e.g. `objects.contact.fields[3].transform`; '' for the document. */
  path: string;
  message: string;
}

/**
 * The error every YAML problem becomes: a `ConfigError` (so the CLI treats it like any other
 * configuration mistake) that also carries each issue, so the web page can mark the lines.
 * `line` is the first issue's line.
 */
export class YamlConfigError extends ConfigError {
  readonly issues: YamlIssue[];
  constructor(message: string, file: string, issues: YamlIssue[], options?: { cause?: unknown }) {
    const first = issues[0];
    super(message, { ...options, file, ...(first ? { line: first.line } : {}) });
    this.issues = issues;
  }
}

/**
 * Read and validate a YAML file. `what` names the kind of file in messages ("mapping",
 * "migration config"). Throws `YamlConfigError` for a missing or unreadable file, YAML syntax
 * errors and schema violations, listing all of them.
 */
export function loadYamlFile<T>(file: string, schema: ZodType<T>, what: string, opts: ParseOptions = {}): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'cannot be read';
    throw new YamlConfigError(`${what} file ${file} ${why}`, file, [], { cause });
  }
  return parseYaml(text, schema, file, what, opts);
}

/** Options of {@link parseYaml}. */
export interface ParseOptions {
  /**
   * Substitute `${NAME}` in string values (never in keys or comments) from this environment,
   * after parsing: a value with " #" or a leading "*" stays whole, and a substituted value
   * never appears in an error message. A missing or empty variable is an issue at its line.
   */
  env?: NodeJS.ProcessEnv;
}

/**
 * Validate YAML text. `fileName` is what messages call the file (a path or just a name).
 * Messages read `mapping.yaml line 14, column 16: objects.contact.fields[3].transform: …`,
 * one line per problem, sorted by position.
 */
export function parseYaml<T>(text: string, schema: ZodType<T>, fileName: string, what: string, opts: ParseOptions = {}): T {
  const lineCounter = new LineCounter();
  // prettyErrors off: we position errors ourselves and want the bare message, not a code frame.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const shortName = basename(fileName);

  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return { line, column: col, path: '', message: `YAML syntax: ${firstLine(e.message)}` };
    });
    throw issuesError(fileName, shortName, what, issues);
  }

  const substituted: string[] = [];
  if (opts.env) {
    const issues = interpolateScalars(doc, lineCounter, opts.env, substituted);
    if (issues.length > 0) throw issuesError(fileName, shortName, what, issues);
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // Only alias abuse gets here (a "billion laughs" file): report it against the document.
    throw new YamlConfigError(`${shortName}: not a usable ${what}: ${(cause as Error).message}`, fileName, [], { cause });
  }

  if (data === null || data === undefined) {
    throw issuesError(fileName, shortName, what, [{ line: 1, column: 1, path: '', message: `the ${what} file is empty` }]);
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;

  const issues = result.error.issues.flatMap((issue) => toYamlIssues(doc, lineCounter, issue, schema));
  // A value that came from the environment may be a secret: never echo it.
  for (const i of issues) for (const v of substituted) if (v.length >= 4) i.message = i.message.split(v).join('[redacted]');
  throw issuesError(fileName, shortName, what, issues);
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Replace `${NAME}` in every string scalar value of the document; returns the problems. */
function interpolateScalars(doc: Document, lc: LineCounter, env: NodeJS.ProcessEnv, substituted: string[]): YamlIssue[] {
  const issues: YamlIssue[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      // Keys are never substituted; neither is anything but a string value.
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const at = lc.linePos(rangeStart(node) ?? 0);
      const parent = ancestors[ancestors.length - 1];
      const path = isPair(parent) && isScalar(parent.key) ? String(parent.key.value) : '';
      node.value = node.value.replace(VAR, (m, name: string) => {
        const v = env[name];
        if (v === undefined) {
          issues.push({ line: at.line, column: at.col, path, message: `environment variable ${name} is not set` });
          return m;
        }
        if (v === '') {
          issues.push({ line: at.line, column: at.col, path, message: `environment variable ${name} is set but empty` });
          return m;
        }
        substituted.push(v);
        return v;
      });
    },
  });
  return issues;
}

/**
 * Serialise a value as YAML for writing a config or mapping file. `header` becomes a `#`
 * comment block at the top (each line prefixed), e.g. "Generated by crm-migrate; edit and confirm".
 */
export function stringifyYaml(value: unknown, header?: string): string {
  const doc = new Document(value);
  if (header !== undefined && header.length > 0) doc.commentBefore = prefixCommentLines(header);
  return doc.toString({ lineWidth: 0 });
}

/**
 * Turn multi-line text into a YAML comment body: the library adds `#` itself and expects
 * each line to begin with a space for readability.
 */
export function prefixCommentLines(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.length > 0 ? ` ${l}` : ''))
    .join('\n');
}

/** Dotted path for messages: `objects.contact.fields[3].transform`. */
export function formatYamlPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out.length === 0 ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function issuesError(fileName: string, shortName: string, what: string, issues: YamlIssue[]): YamlConfigError {
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  const lines = issues.map((i) => `${shortName} line ${i.line}, column ${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
  const message = lines.length === 1 ? (lines[0] as string) : `${shortName}: ${lines.length} problems in the ${what}:\n${lines.map((l) => `  ${l}`).join('\n')}`;
  return new YamlConfigError(message, fileName, issues);
}

function toYamlIssues(doc: Document, lc: LineCounter, issue: core.$ZodIssue, schema: ZodType): YamlIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  // Unknown keys are usually typos: point at each key itself rather than at the mapping.
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, path);
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      const pos = locate(doc, lc, keyPath, true);
      return { ...pos, path: formatYamlPath(keyPath), message: `unknown key "${key}"${didYouMean(key, known)}` };
    });
  }
  const pos = locate(doc, lc, path);
  // zod's wording for a missing key ("expected string, received undefined") reads like a type error.
  const message = issue.code === 'invalid_type' && /received undefined$/.test(issue.message) ? `missing (a ${issue.expected} is required here)` : issue.message;
  return [{ ...pos, path: formatYamlPath(path), message }];
}

/** 1-based line and column of `path` in a YAML file (the deepest part of it that exists). */
export function positionInYaml(file: string, path: ReadonlyArray<string | number>): { line: number; column: number } {
  const lc = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lc, prettyErrors: false });
  return locate(doc, lc, path);
}

/**
 * The keys an object schema accepts at `path` (through optional, default, nullable, pipe,
 * array and union wrappers), for "did you mean" on unknown keys; [] where it cannot tell.
 */
export function knownKeysAt(schema: ZodType, path: ReadonlyArray<string | number>): string[] {
  const unwrap = (s: unknown): unknown[] => {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return [];
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
        return unwrap(def.innerType);
      case 'pipe':
        return unwrap(def.in);
      case 'union':
        return (def.options as unknown[]).flatMap(unwrap);
      default:
        return [s];
    }
  };
  let level: unknown[] = unwrap(schema);
  for (const seg of path) {
    const next: unknown[] = [];
    for (const s of level) {
      const def = (s as { _zod: { def: Record<string, unknown> } })._zod.def;
      if (def.type === 'object' && typeof seg === 'string') next.push(...unwrap((def.shape as Record<string, unknown>)[seg]));
      else if (def.type === 'array' && typeof seg === 'number') next.push(...unwrap(def.element));
      else if (def.type === 'record') next.push(...unwrap(def.valueType));
    }
    level = next;
  }
  const keys = new Set<string>();
  for (const s of level) {
    const def = (s as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (def.type === 'object') for (const k of Object.keys(def.shape as object)) keys.add(k);
  }
  return [...keys];
}

/**
 * Find the position of a path in the document. Walks map keys and list items; where the
 * path stops existing (a required key is missing) the deepest existing node's position is
 * used, which is the mapping the key belongs in.
 */
function locate(doc: Document, lc: LineCounter, path: ReadonlyArray<string | number>, atKey = false): { line: number; column: number } {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, seg] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      // The key's line is what a reader looks for, even when the value sits on later lines.
      offset = rangeStart(pair.key) ?? offset;
      // An unknown key is pointed at itself, not at its value.
      if (atKey && i === path.length - 1) break;
      if (pair.value === null || pair.value === undefined) break;
      node = pair.value;
      // Scalars sit on the key's line; point at the value itself so the column is exact.
      if (isScalar(node)) offset = rangeStart(node) ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined || item === null) break;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  const { line, col } = lc.linePos(offset);
  return { line, column: col };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
