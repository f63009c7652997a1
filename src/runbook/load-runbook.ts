import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { IrError } from '../errors.js';
import { describeIssue, locate, type YamlPath } from './locate-issue.js';
import { runbookHeadSchema, stepSchemas, STEP_KINDS, type Runbook, type Step } from './schema.js';
import { suggest } from './suggest.js';

/** Reads and validates a runbook file; any problem is one IrError naming file and line. */
export async function loadRunbook(file: string): Promise<Runbook> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new IrError(`cannot read runbook ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      code: 'RUNBOOK_UNREADABLE',
      source: 'input',
      hint: 'check the path, or use `ir contain <name>` for a runbook in runbooks/',
    });
  }
  return parseRunbook(text, file);
}

/** Validates runbook text; pure, so tests can feed it inline YAML. */
export function parseRunbook(text: string, file: string): Runbook {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const fail = (path: YamlPath, message: string, key?: string): never => {
    throw invalid(file, locate(doc, lines, path, key), message);
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = lines.linePos(first.pos[0]).line;
    throw invalid(file, line, `not valid YAML: ${first.message.split('\n')[0]}`);
  }

  const head = runbookHeadSchema.safeParse(doc.toJS());
  if (!head.success) {
    const issue = head.error.issues[0]!;
    const { path, key, message } = describeIssue(issue, knownHeadKeys(issue.path));
    fail(path, message, key);
  }
  const data = head.data!;
  const steps = data.steps.map((raw, index) => parseStep(raw, ['steps', index], fail));
  return {
    name: data.name,
    description: data.description,
    target: data.target,
    steps,
    file,
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}

function knownHeadKeys(path: PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(runbookHeadSchema.shape);
  return path[0] === 'target' ? Object.keys(runbookHeadSchema.shape.target.shape) : [];
}

type Fail = (path: YamlPath, message: string, key?: string) => never;

function parseStep(raw: unknown, path: YamlPath, fail: Fail): Step {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || Object.keys(raw).length !== 1) {
    return fail(path, `each step must be a map with exactly one key, the step kind (${STEP_KINDS.join(', ')})`);
  }
  const [kind, value] = Object.entries(raw)[0]!;
  if (!(kind in stepSchemas)) {
    const hint = suggest(kind, STEP_KINDS);
    return fail(path, `unknown step kind '${kind}'${hint}; known kinds: ${STEP_KINDS.join(', ')}`, kind);
  }
  const schema = stepSchemas[kind as keyof typeof stepSchemas];
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = describeIssue(parsed.error.issues[0]!, Object.keys(schema.shape), `the ${kind} step`);
    return fail([...path, kind, ...issue.path], `${kind}: ${issue.message}`, issue.key);
  }
  return { kind, params: parsed.data } as Step;
}

function invalid(file: string, line: number | undefined, message: string): IrError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new IrError(`invalid runbook ${where}: ${message}`, {
    code: 'RUNBOOK_INVALID',
    source: 'input',
    hint: 'fix the runbook; nothing was changed on any container',
  });
}
