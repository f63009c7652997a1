/** Environment variable names whose values are treated as secrets. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|PRIVATE|AUTH/i;

/** Whether an environment variable's name says it holds a secret. */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Values shorter than this are not redacted: they would mangle ordinary text. */
const MIN_SECRET_LENGTH = 4;

export const REDACTED = '[REDACTED]';

/**
 * Knows every secret value `ir` has seen and removes it from anything on its
 * way to a terminal, a log or the audit trail. Evidence files stay raw.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(value: string | undefined): void {
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
  }

  /** Learns the values of secret-looking variables in a `NAME=value` environment list. */
  addEnvironment(env: string[] | undefined, alsoSecret: string[] = []): void {
    for (const entry of env ?? []) {
      const cut = entry.indexOf('=');
      if (cut <= 0) continue;
      const name = entry.slice(0, cut);
      if (looksSecret(name) || alsoSecret.includes(name)) this.add(entry.slice(cut + 1));
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is removed whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** Redacts every string (keys too) inside a JSON-able value. */
  redactValue<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    return this.walk(value) as T;
  }

  /**
   * An error on its way to the top level, which prints it with no redactor at
   * hand: its message and stack are redacted in place, so its class, code and
   * exit code survive.
   */
  redactError(error: unknown): unknown {
    if (!(error instanceof Error)) return typeof error === 'string' ? this.redact(error) : error;
    error.message = this.redact(error.message);
    if (error.stack) error.stack = this.redact(error.stack);
    return error;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.redact(k), this.walk(v)]));
  }
}
