#!/usr/bin/env node
import module from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, IrError } from './errors.js';
import { IR_VERSION } from './version.js';

// Node 22.1+ can cache compiled modules between runs: a faster start is a faster isolation.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// Commands load on use: the Docker and AWS clients cost most of a second, and
// every moment before isolation counts.
const commands = {
  audit: () => import('./commands/audit.js'),
  contain: () => import('./commands/contain.js'),
  demo: () => import('./commands/demo.js'),
  evidence: () => import('./commands/evidence.js'),
  incidents: () => import('./commands/incidents.js'),
  resume: () => import('./commands/resume.js'),
  plan: () => import('./commands/plan.js'),
};

// The SDK warns on Node 20 in the middle of an incident's output; README states the support window.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that went away (`ir … | head`) must not kill a containment half-way.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const program = new Command('ir')
  .description('Incident-response runbooks for containers: isolate, capture, terminate, rotate secrets.')
  .version(IR_VERSION)
  .exitOverride()
  .showHelpAfterError('(run ir --help for usage)');

program
  .command('contain')
  .description('run a containment runbook against its target container')
  .argument('[runbook]', 'runbook name: ./runbooks/<name>.yaml, else the one shipped with ir')
  .option('--runbook <file>', 'load this runbook file instead of a named one')
  .option('--target <container>', "act on this container (name or id) instead of the runbook's target")
  .option('--steps <kinds>', 'run only these step kinds, comma-separated (e.g. rotate-secret to retry a rotation)',
    listOf)
  .option('-y, --yes', 'run every step without asking (scripted mode)', false)
  .option('--json', 'print one JSON summary on stdout; progress goes to stderr', false)
  .option('--case <id>', 'use this incident id (e.g. from the ticketing system)')
  .addOption(new Option('--evidence-dir <dir>', 'parent directory for incident directories').default('incidents'))
  .option('--force-terminate', 'terminate even if capture did not complete (needs --reason)', false)
  .option('--reason <text>', 'why the evidence-first rule is overridden; recorded in the audit trail')
  .option('--secret-value-file <file>', "the new secret value for strategy 'supply' (- reads standard input)")
  .option('--clear-stale-pending',
    "clear a half-done rotation's AWSPENDING label and rotate anyway (audited)", false)
  .option('--operator <name>', 'who is running the containment; goes into every audit record')
  .option('--ticket <text>', 'the ticket or case this containment belongs to; recorded when the incident starts')
  .addOption(new Option('--signing-key <file>', 'Ed25519 private key (PEM) that signs the sealed audit trail')
    .env('IR_SIGNING_KEY'))
  .option('--dry-run', 'change nothing: print what each step would do, as ir plan does', false)
  .action(async (name: string | undefined, opts) => {
    if (!name && !opts.runbook) throw usage('name a runbook (ir contain autotrader) or pass --runbook FILE');
    if (opts.dryRun) return runPlan(name, opts);
    const { contain } = await commands.contain();
    process.exitCode = await contain(
      {
        name, runbookFile: opts.runbook, target: opts.target, steps: opts.steps, yes: opts.yes, json: opts.json,
        caseId: opts.case, evidenceDir: opts.evidenceDir, forceTerminate: opts.forceTerminate,
        reason: opts.reason, secretValueFile: opts.secretValueFile,
        operator: opts.operator, ticket: opts.ticket, signingKeyFile: opts.signingKey,
        clearStalePending: opts.clearStalePending,
      },
      { interactive: atTerminal() },
    );
  });

program
  .command('resume')
  .description('continue an incident that stopped before it finished, from its first unfinished step')
  .argument('<incident>', 'an incident directory, or an incident id under --evidence-dir')
  .addOption(new Option('--evidence-dir <dir>', 'parent directory of incident directories').default('incidents'))
  .option('-y, --yes', 'run every step left without asking (scripted mode)', false)
  .option('--json', 'print one JSON summary on stdout; progress goes to stderr', false)
  .option('--secret-value-file <file>', "the new secret value for a 'supply' rotation not yet done")
  .option('--operator <name>', 'who is resuming; goes into every new audit record')
  .addOption(new Option('--signing-key <file>', 'the Ed25519 private key (PEM) the incident started with')
    .env('IR_SIGNING_KEY'))
  .action(async (incident: string, opts) => {
    const { resume } = await commands.resume();
    process.exitCode = await resume(
      {
        incident, evidenceDir: opts.evidenceDir, yes: opts.yes, json: opts.json,
        secretValueFile: opts.secretValueFile, operator: opts.operator, signingKeyFile: opts.signingKey,
      },
      { interactive: atTerminal() },
    );
  });

program
  .command('plan')
  .description('inspect read-only and print what each step of a runbook would do')
  .argument('[runbook]', 'runbook name: ./runbooks/<name>.yaml, else the one shipped with ir')
  .option('--runbook <file>', 'load this runbook file instead of a named one')
  .option('--target <container>', "plan for this container (name, id, short id), not the runbook's")
  .option('--steps <kinds>', 'plan only these step kinds, comma-separated', listOf)
  .option('--json', 'print the plan as one JSON document on stdout', false)
  .addOption(new Option('--evidence-dir <dir>', 'the plan is recorded in its plans/ folder')
    .default('incidents'))
  .option('--operator <name>', 'who asked for the plan; goes into its audit record')
  .action(async (name: string | undefined, opts) => {
    if (!name && !opts.runbook) throw usage('name a runbook (ir plan autotrader) or give --runbook');
    await runPlan(name, opts);
  });

/** `ir plan` and `ir contain --dry-run`: the same plan from the same runbook selection. */
async function runPlan(name: string | undefined, opts: Record<string, unknown>): Promise<void> {
  const { planCommand } = await commands.plan();
  process.exitCode = await planCommand({
    name,
    runbookFile: opts.runbook as string | undefined,
    target: opts.target as string | undefined,
    steps: opts.steps as string[] | undefined,
    json: opts.json as boolean,
    evidenceDir: opts.evidenceDir as string,
    operator: opts.operator as string | undefined,
  });
}

/** A person can answer prompts: both the keyboard and the progress stream are a terminal. */
function atTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

function listOf(value: string): string[] {
  return value.split(',').map((kind) => kind.trim()).filter(Boolean);
}

program
  .command('demo')
  .description('start a disposable container run the way the security guide runs it, and contain it')
  .option('--image <name>', 'image for the demo container', 'busybox:latest')
  .addOption(new Option('--evidence-dir <dir>', 'parent directory for incident directories').default('incidents'))
  .option('--json', 'print one JSON summary on stdout', false)
  .action(async (opts) => {
    const { demo } = await commands.demo();
    process.exitCode = await demo({ image: opts.image, evidenceDir: opts.evidenceDir, json: opts.json });
  });

const evidence = program.command('evidence').description("check and package an incident's sealed evidence");
evidence
  .command('verify')
  .description('re-hash an incident directory or bundle tar against its manifest; exit 1 if anything differs')
  .argument('<path>', 'an incident directory, or a bundle .tar from ir evidence pack')
  .option('--json', 'print one JSON report on stdout', false)
  .action(async (path: string, opts) => {
    const { verifyEvidence } = await commands.evidence();
    process.exitCode = await verifyEvidence(path, { json: opts.json });
  });
evidence
  .command('pack')
  .description('write the incident directory as one reproducible tar with a .sha256 beside it')
  .argument('<incident-dir>', 'the incident directory to pack')
  .option('--output <file>', 'the bundle to write (default <incident-dir>.tar)')
  .option('--json', 'print what was written as JSON', false)
  .action(async (dir: string, opts) => {
    const { packEvidence } = await commands.evidence();
    process.exitCode = await packEvidence(dir, { output: opts.output, json: opts.json });
  });

const audit = program.command('audit').description("check and read an incident's audit trail");
audit
  .command('verify')
  .description('recompute the hash chain and check the seal; exit 0 valid, 1 broken, 4 intact but unsealed')
  .argument('<incident-dir>', 'an incident directory written by ir contain')
  .option('--public-key <file>', 'Ed25519 public key (PEM) that must have signed the seal')
  .option('--json', 'print one JSON report on stdout', false)
  .action(async (dir: string, opts) => {
    const { verifyAudit } = await commands.audit();
    process.exitCode = await verifyAudit(dir, { publicKey: opts.publicKey, json: opts.json });
  });
audit
  .command('show')
  .description('print the audit trail as a timeline: time, actor, event, outcome, details')
  .argument('<incident-dir>', 'an incident directory written by ir contain')
  .option('--json', 'print the records as stored, as one JSON array', false)
  .action(async (dir: string, opts) => {
    const { showAudit } = await commands.audit();
    process.exitCode = await showAudit(dir, { json: opts.json });
  });

program
  .command('incidents')
  .description('list incidents')
  .command('list')
  .description('list the incidents under the evidence directory: id, target, start, outcome, whether the trail verifies')
  .addOption(new Option('--evidence-dir <dir>', 'parent directory of incident directories').default('incidents'))
  .option('--json', 'print one JSON array on stdout', false)
  .action(async (opts) => {
    const { listIncidentsCommand } = await commands.incidents();
    process.exitCode = await listIncidentsCommand({ evidenceDir: opts.evidenceDir, json: opts.json });
  });

function usage(message: string): IrError {
  return new IrError(message, { code: 'USAGE', source: 'input' });
}

/** File-system failures that are the machine's state, not a bug in `ir`. */
const ENVIRONMENT_ERRNOS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'EEXIST', 'EIO', 'EMFILE']);

/** The only place that decides how `ir` ends. */
function report(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  }
  const errno = error as NodeJS.ErrnoException;
  if (errno?.code && ENVIRONMENT_ERRNOS.has(errno.code)) {
    process.stderr.write(`ir: ${errno.code} on ${errno.path ?? 'a file'}: ${errno.message.split('\n')[0]}\n`);
    process.stderr.write('  hint: free space or fix permissions; the audit trail and journal say how far the incident got\n');
    return ExitCode.precondition;
  }
  if (error instanceof IrError && error.source !== 'internal') {
    process.stderr.write(`ir: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
    // A script that asked for JSON gets JSON on stdout even when nothing ran.
    if (process.argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message, hint: error.hint } })}\n`);
    }
    return error.exitCode;
  }
  process.stderr.write(`ir: internal error, please report it:\n${(error as Error)?.stack ?? String(error)}\n`);
  // dist/ is bundled: the stack names bundle lines unless Node maps them back to the sources.
  if (!process.execArgv.includes('--enable-source-maps') && !process.env.NODE_OPTIONS?.includes('source-maps')) {
    process.stderr.write('  hint: rerun with NODE_OPTIONS=--enable-source-maps for source file lines in the report\n');
  }
  return ExitCode.internal;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}
