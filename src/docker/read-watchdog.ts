/**
 * A deadline for reads the container controls. A tmpfs is read by the
 * container's own tar, which a compromised container can stop (SIGSTOP),
 * slow to a trickle or replace: without a deadline, containment would wait
 * in capture for as long as the attacker likes.
 */
export interface ReadDeadline {
  /** Longest wait for the next byte. */
  idleMs: number;
  /** Longest the whole read may take. */
  totalMs: number;
}

/** Calls `expire` once, with why, when the read goes quiet or runs out of time. */
export class ReadWatchdog {
  private idle: NodeJS.Timeout;
  private readonly total: NodeJS.Timeout;
  /** Why the read was given up on, once it has been. */
  expired?: string;

  constructor(deadline: ReadDeadline, private readonly expire: (reason: string) => void) {
    this.idle = setTimeout(() => this.fire(`sent nothing for ${seconds(deadline.idleMs)}`), deadline.idleMs);
    this.total = setTimeout(() => this.fire(`was still sending after ${seconds(deadline.totalMs)}`), deadline.totalMs);
  }

  /** Data arrived: the idle wait starts again. */
  touch(): void {
    if (this.expired) return;
    this.idle.refresh();
  }

  stop(): void {
    clearTimeout(this.idle);
    clearTimeout(this.total);
  }

  private fire(reason: string): void {
    if (this.expired) return;
    this.expired = reason;
    this.stop();
    this.expire(reason);
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
