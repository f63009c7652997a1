import type { RotateSecretParams } from '../runbook/schema.js';
import { rotateAwsSecret } from './rotate-aws.js';
import { rotateSwarmSecretStep } from './rotate-swarm.js';
import type { StepDefinition } from './step-context.js';

const HOW: Record<RotateSecretParams['strategy'], string> = {
  generate: 'a generated value',
  supply: 'a value the operator supplies',
  lambda: "the secret's own rotation function",
};

export const rotateSecretStep: StepDefinition<RotateSecretParams> = {
  describe(params) {
    const key = params.key ? ` (JSON key ${params.key})` : '';
    const feeds = params.env ? `, which feeds ${params.env},` : '';
    if (params.store === 'swarm') {
      return `replace Swarm secret ${params.secretId}${feeds} with ${HOW[params.strategy]} in every service ` +
        'that uses it; check they converged and the old secret is gone';
    }
    return `rotate AWS secret ${params.secretId}${key}${feeds} to ${HOW[params.strategy]}; check AWSCURRENT moved`;
  },

  async prepare(params, ctx) {
    if (params.strategy === 'supply') await ctx.suppliedSecret(params.secretId);
  },

  run(params, ctx) {
    return params.store === 'swarm' ? rotateSwarmSecretStep(params, ctx) : rotateAwsSecret(params, ctx);
  },

  failedFollowUps(params, ctx) {
    const behind = params.env ? `${params.env} (${params.secretId})` : params.secretId;
    return [`the secret behind ${behind} is NOT rotated: revoke the old key at its issuer ` +
      `all the same, then finish the rotation with ir resume ${ctx.incidentDir}`];
  },
};
