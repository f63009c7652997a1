import type { StepKind } from '../runbook/schema.js';
import { capture } from './capture.js';
import { isolate } from './isolate.js';
import { rotateSecretStep } from './rotate-secret.js';
import type { StepDefinition } from './step-context.js';
import { terminate } from './terminate.js';

/** Every step kind a runbook can name, by its runbook key. */
export const STEP_DEFINITIONS: Record<StepKind, StepDefinition<never>> = {
  isolate,
  capture,
  terminate,
  'rotate-secret': rotateSecretStep,
};
