/**
 * The built CLI as a child process the test can signal, and waits on what an
 * incident directory shows on disk (no timing guesses: a record or nothing).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CLI, type CliRun } from './run-cli.js';

export interface CliChild {
  pid: number;
  signal(signal: NodeJS.Signals): void;
  /** Waits until the child's stderr so far matches. */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** Resolves when the child exits: its code (128 + n when a signal killed it) and output. */
  done: Promise<CliRun>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliChild {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve) => {
    child.on('close', (code, signal) => {
      const killed = signal === 'SIGKILL' ? 137 : signal ? 128 : 1;
      resolve({ code: code ?? killed, stdout, stderr });
    });
  });
  let closed = false;
  void done.then(() => (closed = true));
  const waitForStderr = async (pattern: RegExp): Promise<void> => {
    while (!pattern.test(stderr)) {
      if (closed) throw new Error(`ir exited before printing ${pattern}: ${stderr}`);
      await delay(10);
    }
  };
  return { pid: child.pid!, signal: (signal) => child.kill(signal), waitForStderr, done };
}

/** Complete records of an incident's trail, as a crash leaves it. */
export async function trailRecords(dir: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, 'audit.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function isStepStart(kind: string) {
  return (record: Record<string, unknown>): boolean =>
    record.event === 'step.started' && (record.details as { kind?: unknown }).kind === kind;
}

/** Waits until the trail holds a record matching `test`, or the child ended first (then throws). */
export async function waitForRecord(
  dir: string, test: (record: Record<string, unknown>) => boolean, child?: CliChild, limitMs = 120_000,
): Promise<void> {
  await waitUntil(async () => (await trailRecords(dir)).some(test), child, limitMs);
}

/** Waits until `seen` says yes, or the child ended first (then throws). */
export async function waitUntil(seen: () => Promise<boolean>, child?: CliChild, limitMs = 120_000): Promise<void> {
  let ended = false;
  void child?.done.then(() => (ended = true));
  for (let waited = 0; waited < limitMs; waited += 25) {
    if (await seen()) return;
    if (ended) throw new Error(`ir exited before what the test waited for: ${(await child!.done).stderr}`);
    await delay(25);
  }
  throw new Error(`not seen after ${limitMs} ms`);
}

export async function readJournal(dir: string): Promise<{ steps: { index: number; kind: string; state: string;
  error?: { code: string }; attempts?: number; resume?: Record<string, unknown> }[] }> {
  return JSON.parse(await readFile(join(dir, 'journal.json'), 'utf8'));
}
