// The namespace import lets the bundler leave out the parts of zod ir does not use (its locales).
import * as z from 'zod';

/** Which networks isolate leaves: every one, or the named ones. */
const isolateSchema = z.strictObject({
  networks: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)], {
    error: "use 'all' or a list of network names",
  }).default('all'),
  /** Pause the container too, so processes and files stop changing during capture. */
  freeze: z.boolean().default(false),
  /**
   * What to do when the network mode (host, container:X) cannot be disconnected:
   * pause it, let it run until capture is done and then stop it, or nothing.
   */
  fallback: z.enum(['pause', 'stop-after-capture', 'none']).default('pause'),
});

const UNITS: Record<string, number> = {
  '': 1, b: 1, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
};

/** A size as bytes, or with a unit: 500MiB, 1GiB, 2GB. */
const sizeSchema = z.union([
  z.number().int().positive(),
  z.string().regex(/^\d+(\.\d+)?\s*(b|kib|mib|gib|tib|kb|mb|gb|tb)?$/i, 'use a size such as 500MiB or 1GiB')
    .transform((text) => {
      const [, amount, unit] = /^([\d.]+)\s*([a-z]*)$/i.exec(text)!;
      return Math.floor(Number(amount) * UNITS[unit!.toLowerCase()]!);
    })
    .refine((bytes) => bytes > 0, 'a size limit of zero would skip every mount; give a positive size'),
], { error: 'use a size such as 500MiB or 1GiB' });

const captureSchema = z.strictObject({
  logs: z.boolean().default(true),
  filesystem: z.boolean().default(true),
  mounts: z.boolean().default(true),
  /** Mounts larger than this are not copied; the manifest says so. */
  mountSizeLimit: sizeSchema.default(2 ** 30),
  /** Seconds a tmpfs read through the container's own tar may take in all. */
  mountTimeout: z.number().int().min(1).max(86_400).default(120),
  /** Commit the container to an image tagged with the incident id before it is removed. */
  snapshot: z.boolean().default(false),
});

const terminateSchema = z.strictObject({
  /** Seconds between SIGTERM and SIGKILL. */
  stopTimeout: z.number().int().min(0).max(3600).default(10),
});

const rotateSecretSchema = z.strictObject({
  /** aws: a Secrets Manager secret; swarm: a Docker Swarm secret and the services that use it. */
  store: z.enum(['aws', 'swarm'], { error: "use store 'aws' or 'swarm'" }).default('aws'),
  /** The Secrets Manager secret (name or ARN), or the Swarm secret's name. */
  secretId: z.string().min(1),
  /** The container variable the secret feeds; its old value is redacted from output. */
  env: z.string().min(1).optional(),
  strategy: z.enum(['supply', 'generate', 'lambda']).default('generate'),
  /** Only for JSON secrets: the key whose value is replaced. */
  key: z.string().min(1).optional(),
  /** 'generate': length of the new value. */
  length: z.number().int().min(8).max(4096).optional(),
  /** 'generate': characters the new value must not contain. */
  excludeCharacters: z.string().min(1).optional(),
  /** 'generate': allow punctuation (off by default: safe in shells, URLs and JSON). */
  punctuation: z.boolean().optional(),
  /** Seconds to wait: for a rotation function to move AWSCURRENT, or for Swarm services to converge. */
  timeout: z.number().int().min(1).max(3600).optional(),
  /** Clear an AWSPENDING label left by another, unfinished rotation, and go on (audited). */
  clearStalePending: z.boolean().default(false),
}).superRefine((step, context) => {
  const refuse = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
  const onlyFor = (strategy: string, keys: (keyof typeof step)[]) => {
    for (const key of keys) {
      if (step[key] === undefined || step.strategy === strategy) continue;
      refuse(key, `'${key}' goes with strategy '${strategy}'`);
    }
  };
  onlyFor('generate', ['length', 'excludeCharacters', 'punctuation']);
  if (step.timeout !== undefined && step.strategy !== 'lambda' && step.store !== 'swarm') {
    refuse('timeout', "'timeout' goes with strategy 'lambda' or store 'swarm'");
  }
  if (step.store !== 'swarm') return;
  if (step.strategy === 'lambda') {
    refuse('strategy', "store 'swarm' has no rotation function: use supply or generate");
  }
  if (step.key !== undefined) refuse('key', "store 'swarm' cannot read a secret's value, so 'key' cannot be used");
  if (step.clearStalePending) refuse('clearStalePending', "'clearStalePending' is for store 'aws'");
});

/** Parameter schemas by step kind; the order here is not the run order. */
export const stepSchemas = {
  isolate: isolateSchema,
  capture: captureSchema,
  terminate: terminateSchema,
  'rotate-secret': rotateSecretSchema,
} as const;

export type StepKind = keyof typeof stepSchemas;
export const STEP_KINDS = Object.keys(stepSchemas) as StepKind[];

export type IsolateParams = z.output<typeof isolateSchema>;
export type CaptureParams = z.output<typeof captureSchema>;
export type TerminateParams = z.output<typeof terminateSchema>;
export type RotateSecretParams = z.output<typeof rotateSecretSchema>;

export type Step =
  | { kind: 'isolate'; params: IsolateParams }
  | { kind: 'capture'; params: CaptureParams }
  | { kind: 'terminate'; params: TerminateParams }
  | { kind: 'rotate-secret'; params: RotateSecretParams };

/** Everything but the steps, which are checked one by one for better errors. */
export const runbookHeadSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  target: z.strictObject({
    container: z.string().min(1),
  }),
  steps: z.array(z.unknown()).min(1),
});

/** A runbook after validation, with every default filled in. */
export interface Runbook {
  name: string;
  description?: string;
  target: { container: string };
  steps: Step[];
  /** Where it was loaded from, for messages and the record. */
  file: string;
  /** SHA-256 of the file as read, so the record says exactly which runbook ran. */
  sha256: string;
}
