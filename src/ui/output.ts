import type { Redactor } from '../redactor.js';

export interface OutputOptions {
  /** One JSON document on stdout instead of human lines. */
  json: boolean;
  /** Spinners only on a terminal and when NO_COLOR is unset. */
  fancy: boolean;
}

/** A running step's progress indicator; plain lines when not on a terminal. */
export interface Progress {
  succeed(text: string): void;
  fail(text: string): void;
}

/**
 * The one way text leaves `ir`: results on stdout, progress on stderr, all of
 * it through the redactor so no secret value reaches a terminal or a log.
 */
export class Output {
  constructor(
    private readonly redactor: Redactor,
    readonly options: OutputOptions,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  /** A line of progress for people: stderr. */
  progress(line: string): void {
    this.err.write(`${this.redactor.redact(line)}\n`);
  }

  /** A line of result: stdout, unless JSON was asked for. */
  result(line: string): void {
    if (!this.options.json) this.out.write(`${this.redactor.redact(line)}\n`);
  }

  /** The machine-readable result: one JSON document on stdout. */
  json(value: unknown): void {
    this.out.write(`${JSON.stringify(this.redactor.redactValue(value), null, 2)}\n`);
  }

  async start(text: string): Promise<Progress> {
    if (!this.options.fancy) {
      this.progress(`… ${text}`);
      return { succeed: (done) => this.progress(`✔ ${done}`), fail: (why) => this.progress(`✖ ${why}`) };
    }
    const { default: ora } = await import('ora');
    const spinner = ora({ text: this.redactor.redact(text), stream: this.err as NodeJS.WriteStream }).start();
    return {
      succeed: (done) => spinner.succeed(this.redactor.redact(done)),
      fail: (why) => spinner.fail(this.redactor.redact(why)),
    };
  }
}

/**
 * Spinners and colour only for a person at a terminal who has not opted out.
 * A terminal that reports no width (a pty nobody sized) makes the spinner
 * redraw without end, so it gets plain lines too.
 */
export function wantsFancyOutput(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'> = process.stderr): boolean {
  if (!stream.isTTY || !(stream.columns > 0)) return false;
  return !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}
