/** Whose fault an error is: the operator's input, the world around us, or ours. */
export type ErrorSource = 'input' | 'environment' | 'internal';

/** Exit codes, decided only at the top level. Documented in README.md. */
export const ExitCode = {
  ok: 0,
  stepFailed: 1,
  badInput: 2,
  precondition: 3,
  /** `ir audit verify`: every complete record verifies, but the trail has no seal (ir stopped mid-run). */
  unsealed: 4,
  noTerminal: 5,
  /** Isolate or terminate did not complete, though other steps did: not fully contained. */
  partlyContained: 6,
  internal: 70,
  aborted: 130,
} as const;

export interface IrErrorOptions {
  /** A stable, machine-readable code such as `RUNBOOK_INVALID`. */
  code: string;
  source: ErrorSource;
  /** One line telling the operator what to do about it. */
  hint?: string;
  exitCode?: number;
  cause?: unknown;
}

/** Every error `ir` raises on purpose: a one-line message, a code and a hint. */
export class IrError extends Error {
  readonly code: string;
  readonly source: ErrorSource;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(message: string, options: IrErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'IrError';
    this.code = options.code;
    this.source = options.source;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? defaultExitCode(options.source);
  }
}

function defaultExitCode(source: ErrorSource): number {
  if (source === 'input') return ExitCode.badInput;
  if (source === 'environment') return ExitCode.precondition;
  return ExitCode.internal;
}

/** The message of anything thrown, for records and one-line reports. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The first line of a thrown message: Docker and Node errors often append request dumps. */
export function firstLineOf(error: unknown): string {
  return messageOf(error).split('\n')[0]?.trim() ?? '';
}
