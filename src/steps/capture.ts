import { join } from 'node:path';
import type Docker from 'dockerode';
import { sealEvidence } from '../audit/seal.js';
import { captureFilesystem, FILESYSTEM_INDEX, FILESYSTEM_TAR } from '../docker/export.js';
import { captureLogs, readableLogDriver, type LogCapture } from '../docker/logs.js';
import type { PartialTarCapture } from '../docker/tar-index.js';
import { IrError } from '../errors.js';
import type { CaptureParams } from '../runbook/schema.js';
import { captureEngineManagedFiles, captureFacts, tarFiles } from './capture-facts.js';
import { CaptureRecorder, type CapturedFile } from './capture-recorder.js';
import { captureMounts } from './capture-mounts.js';
import { takeSnapshot } from './snapshot.js';
import { stopAfterCapture } from './network-fallback.js';
import { recordUncoveredSecrets } from './uncovered-secrets.js';
import type { StepContext, StepDefinition, StepResult } from './step-context.js';

export const capture: StepDefinition<CaptureParams> = {
  describe(params, { container }) {
    const parts = ['inspect data', params.logs && 'logs', params.filesystem && 'filesystem export',
      params.mounts && 'mounts and tmpfs', params.snapshot && 'an image snapshot'].filter(Boolean);
    return `capture ${parts.join(', ')} of ${container.name} with SHA-256 hashes, then seal the manifest`;
  },

  async run(params, ctx) {
    let result: StepResult;
    try {
      result = await captureEverything(params, ctx);
    } catch (error) {
      // It could not be cut off: it stops now, evidence whole or not (a failed stop is audited).
      await stopAfterCapture(ctx).catch(() => undefined);
      throw error;
    }
    const stopped = await stopAfterCapture(ctx);
    return stopped ? { ...result, warnings: [...(result.warnings ?? []), stopped] } : result;
  },
};

async function captureEverything(params: CaptureParams, ctx: StepContext): Promise<StepResult> {
  const handle = ctx.docker.getContainer(ctx.container.id);
  const recorder = new CaptureRecorder(ctx);
  const info = await handle.inspect();
  await captureFacts(recorder, ctx, handle, info);
  await recordSwitchedOff(recorder, params);
  if (params.logs) await captureLogsInto(recorder, handle, info, ctx.evidenceDir);
  const { evidenceDir } = ctx;
  const exported = params.filesystem && (await captureFilesystemInto(recorder, handle, evidenceDir));
  if (params.filesystem) await captureEngineManagedFiles(recorder, handle, ctx.evidenceDir);
  if (params.mounts) await captureMounts(recorder, ctx, handle, info, params);
  const exportTar = exported ? join(evidenceDir, FILESYSTEM_TAR) : undefined;
  if (params.snapshot) await takeSnapshot(recorder, ctx, exportTar);

  const uncovered = await recordUncoveredSecrets(ctx, info.Config.Env);
  if (recorder.failures.length === 0) ctx.bundle.markCaptured();
  const { manifest } = await sealEvidence(ctx.bundle, ctx.audit);
  const partial = manifest.items.filter((item) => item.partial).map((item) => item.path);
  if (recorder.diskFull) throw diskFilledUp(ctx, partial);
  if (recorder.failures.length > 0) {
    throw new IrError(`capture incomplete: ${recorder.failures.join('; ')}`, {
      code: 'CAPTURE_INCOMPLETE',
      source: 'environment',
      hint: 'what was captured is sealed and marked; ' +
        'terminate stays refused unless --force-terminate --reason',
    });
  }
  return {
    summary: `${manifest.items.length} files sealed in manifest.json and SHA256SUMS`,
    details: { files: manifest.items.length, missing: manifest.missing },
    warnings: [...recorder.gaps, ...uncovered.warnings],
    followUps: uncovered.followUps,
  };
}

function diskFilledUp(ctx: StepContext, partial: string[]): IrError {
  const cut = partial.length > 0 ? `; cut short and marked partial: ${partial.join(', ')}` : '';
  return new IrError(`capture stopped: the evidence disk under ${ctx.incidentDir} is full${cut}`, {
    code: 'EVIDENCE_DISK_FULL',
    source: 'environment',
    hint: 'free space or use --evidence-dir on a larger disk, then capture in a new incident; ' +
      'terminate stays refused until a capture completes',
  });
}

/** What the runbook chose not to capture is still a gap: the bundle must not look whole without it. */
async function recordSwitchedOff(recorder: CaptureRecorder, params: CaptureParams): Promise<void> {
  const parts = { logs: 'logs', filesystem: 'filesystem', mounts: 'mounts and tmpfs' } as const;
  for (const [key, what] of Object.entries(parts)) {
    if (!params[key as keyof typeof parts]) await recorder.gap(what, `the runbook's capture step has ${key}: false`);
  }
}

async function captureLogsInto(
  recorder: CaptureRecorder, handle: Docker.Container, info: Docker.ContainerInspectInfo, dir: string,
): Promise<void> {
  const driver = info.HostConfig.LogConfig?.Type ?? 'json-file';
  if (!readableLogDriver(driver, { config: info.HostConfig.LogConfig?.Config })) {
    return recorder.gap('logs', `logging driver '${driver}' cannot be read back through the engine`);
  }
  const files = (capture: LogCapture | null): CapturedFile[] => {
    if (!capture) return [];
    const out: CapturedFile[] = [{ path: join(dir, 'logs', 'stdout.log'), file: capture.stdout, note: capture.note }];
    if (capture.stderr) out.push({ path: join(dir, 'logs', 'stderr.log'), file: capture.stderr });
    return out;
  };
  await recorder.capture({
    what: 'logs',
    source: 'GET /containers/{id}/logs?stdout=1&stderr=1&timestamps=1&follow=0',
    run: async () => files(await captureLogs(handle, join(dir, 'logs'), { tty: Boolean(info.Config.Tty) })),
    leftovers: (partial) => files(partial as LogCapture | null),
    // The engine may refuse read-back even for a driver that usually allows it (cache disabled daemon-wide).
    isGap: (error) => error instanceof IrError && error.code === 'CAPTURE_LOGS_UNREADABLE',
  });
}

/** True when the whole filesystem was captured. */
async function captureFilesystemInto(recorder: CaptureRecorder, handle: Docker.Container, dir: string) {
  const paths = { tar: join(dir, FILESYSTEM_TAR), index: join(dir, FILESYSTEM_INDEX) };
  return recorder.capture({
    what: 'filesystem',
    source: 'GET /containers/{id}/export',
    run: async () => tarFiles(paths, await captureFilesystem(handle, dir)),
    leftovers: (partial) => tarFiles(paths, partial as PartialTarCapture | null),
  });
}
