/**
 * Ctrl-C (SIGINT) and SIGTERM as an abort of one piece of work, so it can stop
 * at a safe point and clean up instead of dying mid-write. Each call listens
 * only while its work runs and removes its own listeners after, so it never
 * clashes with another command's handling of the same signals.
 */
import { ExitCode, IrError } from './errors.js';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Calls `handler` on every SIGINT or SIGTERM until the returned function is called. */
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void {
  for (const name of SIGNALS) process.on(name, handler);
  return () => {
    for (const name of SIGNALS) process.off(name, handler);
  };
}

/**
 * Runs `work` with a signal that aborts, with an `interrupted` IrError (exit
 * 130) as its reason, on the first SIGINT or SIGTERM. `work` must check the
 * signal and settle; an interrupt it did not notice is thrown when it has. A
 * second signal stops waiting for the cleanup: it ends the process as Node would.
 */
export async function whileInterruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stopListening = onInterrupt((name) => {
    if (!controller.signal.aborted) return controller.abort(interrupted(name));
    stopListening();
    process.kill(process.pid, name);
  });
  try {
    const result = await work(controller.signal);
    controller.signal.throwIfAborted();
    return result;
  } finally {
    stopListening();
  }
}

function interrupted(name: NodeJS.Signals): IrError {
  return new IrError(`interrupted by ${name}`, {
    code: 'INTERRUPTED', source: 'input', exitCode: ExitCode.aborted,
  });
}
