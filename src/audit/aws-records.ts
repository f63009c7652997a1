/**
 * AWS in the audit trail: whom the calls run as and where they go, and a
 * before- and after-record around every Secrets Manager call that changes a
 * secret.
 */
import { firstLineOf, messageOf } from '../errors.js';
import type { SecretsApi } from '../secrets/secrets-api.js';
import type { AuditTrail } from './audit-trail.js';
import { auditedCall } from './audited-call.js';

/**
 * Records `aws.identity` once, when Secrets Manager is first opened and so
 * before any AWS change: the endpoint in use and the ARN STS says the
 * credentials belong to. A failure is recorded and does not stop the step:
 * the rotation matters more than the record of who ran it, and if the
 * credentials are bad the rotation fails on its own with a clear error.
 */
export async function recordAwsIdentity(api: SecretsApi, audit: AuditTrail): Promise<void> {
  const endpoint = await api.describeEndpoint().catch((error: unknown) => `unknown (${messageOf(error)})`);
  try {
    const identity = await api.callerIdentity();
    audit.extendActor({ awsArn: identity.arn });
    await audit.append('aws.identity', 'succeeded', { secretsManagerEndpoint: endpoint, ...identity });
  } catch (error) {
    await audit.append('aws.identity', 'failed', { secretsManagerEndpoint: endpoint, error: awsFailure(error, true) });
  }
}

/** The API with every call that changes a secret recorded before and after it runs. */
export function auditedSecretsApi(api: SecretsApi, audit: AuditTrail): SecretsApi {
  return {
    ...api,
    inRegion: (region) => auditedSecretsApi(api.inRegion(region), audit),
    putSecretValue: (request) => auditedCall(audit, 'aws.secretsmanager.put-secret-value',
      {
        secretId: request.secretId, clientRequestToken: request.clientRequestToken, stages: request.versionStages,
      },
      () => api.putSecretValue(request),
      // AWS error text can echo the request, and this request carries the new value.
      { after: (versionId) => ({ versionId }), failure: (error) => awsFailure(error, false) }),
    updateSecretVersionStage: (change) => auditedCall(audit, 'aws.secretsmanager.update-version-stage',
      { ...change }, () => api.updateSecretVersionStage(change),
      { failure: (error) => awsFailure(error, true) }),
    rotateSecret: (secretId, clientRequestToken) => auditedCall(audit, 'aws.secretsmanager.rotate-secret',
      { secretId, clientRequestToken, rotateImmediately: true },
      () => api.rotateSecret(secretId, clientRequestToken),
      { after: (versionId) => ({ versionId }), failure: (error) => awsFailure(error, true) }),
  };
}

/** The AWS error's name as its code; its message only for calls that carry no secret value. */
function awsFailure(error: unknown, withMessage: boolean): { code: string; message?: string } {
  const { name } = (error ?? {}) as { name?: unknown };
  const code = typeof name === 'string' ? name : 'Error';
  return withMessage ? { code, message: firstLineOf(error) } : { code };
}
