/**
 * Ctrl-C and SIGTERM during a run. The first asks the runner to stop after
 * the step in hand (it finishes, is recorded, and the steps left are recorded
 * as not run); the second stops at once, after `stopNow` has put the last
 * records on disk. Either way the exit code is 130.
 */
import { ExitCode } from '../errors.js';
import { onInterrupt } from '../interrupt.js';

/** Polled by the runner between steps. */
export interface StopRequest {
  requested: boolean;
  /** Which signal asked, for the record. */
  signal?: NodeJS.Signals;
}

export interface InterruptWatch {
  stop: StopRequest;
  /** Removes the handlers: the run is over. */
  dispose(): void;
}

export interface InterruptOptions {
  /** Told on the first signal, e.g. what will happen and how to stop at once. */
  onFirst(signal: NodeJS.Signals): void;
  /** Records what must be on disk before `ir` exits mid-step. */
  stopNow(signal: NodeJS.Signals): Promise<void>;
}

export function watchInterrupts(options: InterruptOptions): InterruptWatch {
  const stop: StopRequest = { requested: false };
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (!stop.requested) {
      stop.requested = true;
      stop.signal = signal;
      options.onFirst(signal);
      return;
    }
    if (stopping) return;
    stopping = true;
    void options.stopNow(signal).finally(() => process.exit(ExitCode.aborted));
  };
  return { stop, dispose: onInterrupt(handler) };
}
