import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runGuideContainer, type GuideContainer, type GuideContainerOptions } from './guide-container.js';
import { type CliRun, onlyIncidentDir, runCli, tempDir, writeContainRunbook } from './run-cli.js';

/** One scripted `ir contain` (isolate, capture, terminate) of a guide container, and what it left. */
export interface GuideContainment {
  guide: GuideContainer;
  work: string;
  run: CliRun;
  incidentDir: string;
  runbook: string;
  remove(): Promise<void>;
}

export interface GuideContainmentOptions extends GuideContainerOptions {
  /** Parameters of the runbook's capture step. */
  capture?: Record<string, unknown>;
  /** More `ir contain` arguments. */
  args?: string[];
  /** Done to the running container before ir is run. */
  prepare?(guide: GuideContainer): Promise<void>;
}

export async function containGuide(prefix: string, options: GuideContainmentOptions): Promise<GuideContainment> {
  const guide = await runGuideContainer(options);
  const work = await tempDir(prefix);
  const remove = async () => {
    await guide.remove();
    await rm(work, { recursive: true, force: true });
  };
  try {
    await options.prepare?.(guide);
    const runbook = await writeContainRunbook(work, guide.name, options.capture);
    const run = await runCli(['contain', '--runbook', runbook, '--yes', '--json',
      '--evidence-dir', join(work, 'incidents'), ...(options.args ?? [])]);
    return { guide, work, run, runbook, incidentDir: await onlyIncidentDir(join(work, 'incidents')), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
