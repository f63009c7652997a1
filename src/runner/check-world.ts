/**
 * What `ir resume` looks at before it retries a step: a step whose effect is
 * already there (the container gone, its networks already left) is done, and
 * is recorded as done without being run again.
 */
import type Docker from 'dockerode';
import { dockerStatus } from '../docker/connect-docker.js';
import type { Step } from '../runbook/schema.js';
import type { StepResult } from '../steps/step-context.js';

/** A check for `runSteps`: a result when the step has already taken effect. */
export function checkWorldFor(docker: Docker, containerId: string) {
  return async (step: Step): Promise<StepResult | undefined> => {
    if (step.kind !== 'isolate' && step.kind !== 'terminate') return undefined;
    const info = await inspectOrGone(docker, containerId);
    if (!info) {
      const summary = step.kind === 'terminate' ? 'already removed'
        : 'the container is already gone: no network to leave';
      return { summary, details: { alreadyDone: true, checkedBeforeRetry: 'container gone' } };
    }
    // An isolate already detached still runs again: it records the networks its attempt cut.
    return undefined;
  };
}


async function inspectOrGone(docker: Docker, id: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(id).inspect();
  } catch (error) {
    if (dockerStatus(error) === 404) return undefined;
    throw error;
  }
}
