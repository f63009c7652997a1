/**
 * Turns AWS SDK errors into IrErrors with stable codes. Messages are built from
 * the error's name or code and the secret id only: AWS error text can echo
 * request input, and a PutSecretValue request carries the new secret value.
 */
import { IrError } from '../errors.js';

/** The Secrets Manager calls `ir` makes, named as in AWS's API and IAM actions. */
export type SecretsOperation =
  | 'DescribeSecret'
  | 'GetSecretValue'
  | 'PutSecretValue'
  | 'UpdateSecretVersionStage'
  | 'GetRandomPassword'
  | 'RotateSecret';

/** Every AWS call `ir` makes: Secrets Manager's, and STS's for the caller identity. */
export type AwsOperation = SecretsOperation | 'GetCallerIdentity';

/** Where a failed call was made, for the message. */
export interface AwsCallContext {
  operation: AwsOperation;
  secretId?: string;
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredTokenException',
  'ExpiredToken',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'IncompleteSignature',
  'TokenRefreshRequired',
]);
const ACCESS_DENIED_ERRORS = new Set(['AccessDeniedException', 'AccessDenied']);
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
]);

interface ErrorFacts {
  name: string;
  code?: string;
  message: string;
  throttling: boolean;
  /** The endpoint answered, but not as the AWS API does (HTML from a proxy): no AWS error name. */
  notAws: boolean;
  status?: number;
}

function factsOf(error: unknown): ErrorFacts {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const retryable = e.$retryable as { throttling?: boolean } | undefined;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const answered = typeof e.$response === 'object' || name === 'SyntaxError';
  return {
    name,
    code: typeof e.code === 'string' ? e.code : undefined,
    message: error instanceof Error ? error.message : String(error),
    throttling: retryable?.throttling === true,
    notAws: e.$fault === undefined && answered,
    status: (e.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode,
  };
}

/** Runs one Secrets Manager call, turning whatever it throws into an IrError. */
export async function withAwsErrors<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toIrError(error, context);
  }
}

interface Rule {
  code: string;
  source?: 'input';
  matches(facts: ErrorFacts, context: AwsCallContext): boolean;
  message(facts: ErrorFacts, context: AwsCallContext): string;
  hint(context: AwsCallContext): string;
}

const on = (context: AwsCallContext, otherwise: string) =>
  context.secretId ? `secret "${context.secretId}"` : otherwise;
const isSts = (context: AwsCallContext) => context.operation === 'GetCallerIdentity';
const serviceOf = (context: AwsCallContext) => (isSts(context) ? 'STS' : 'Secrets Manager');
const actionOf = (context: AwsCallContext) =>
  `${isSts(context) ? 'sts' : 'secretsmanager'}:${context.operation}`;

/** The end of a rotation failure's hint; a step with an incident points to `ir resume` instead. */
export const RETRY_ALONE = 'retry it alone: ir contain <runbook> --steps rotate-secret';

const RULES: Rule[] = [{
  code: 'SECRET_NOT_FOUND',
  source: 'input',
  // RotateSecret runs right after a successful DescribeSecret; its not-found is about the lambda.
  matches: (f, c) => f.name === 'ResourceNotFoundException' && c.operation !== 'RotateSecret',
  message: (_f, c) => `Secrets Manager has no ${on(c, 'such secret')} (${c.operation})`,
  hint: () => `check the runbook's secretId and AWS_REGION, then ${RETRY_ALONE}`,
}, {
  code: 'AWS_CREDENTIALS',
  matches: (f) => CREDENTIAL_ERRORS.has(f.name),
  message: (f) => `AWS credentials are missing, invalid or expired (${f.name})`,
  hint: () => 'refresh the credentials (aws sso login, a new session token); check with aws sts get-caller-identity',
}, {
  code: 'AWS_REGION_MISSING',
  // The SDK raises plain Errors here; an empty AWS_REGION gives "Region not accepted".
  matches: (f) => /^Region (is missing|not accepted)/.test(f.message),
  message: () => 'no usable AWS region is configured',
  hint: () => "set AWS_REGION (or a region in the AWS profile) to the secret's region",
}, {
  code: 'AWS_ACCESS_DENIED',
  matches: (f) => ACCESS_DENIED_ERRORS.has(f.name),
  message: (_f, c) => `access denied: ${c.operation} on ${on(c, serviceOf(c))}`,
  hint: (c) => `allow ${actionOf(c)}${c.secretId ? ' on the secret' : ''} ` +
    'for the identity in use (aws sts get-caller-identity)',
}, {
  code: 'AWS_THROTTLED',
  matches: (f) => THROTTLING_ERRORS.has(f.name) || f.throttling,
  message: (_f, c) => `${serviceOf(c)} throttled ${c.operation} on ${on(c, 'the account')}`,
  hint: () => `wait a minute, then ${RETRY_ALONE}`,
}, {
  code: 'AWS_UNREACHABLE',
  matches: (f) => (f.code !== undefined && NETWORK_CODES.has(f.code)) || f.name === 'TimeoutError',
  message: (f, c) => `cannot reach ${serviceOf(c)} for ${c.operation} (${f.code ?? f.name})`,
  hint: () => 'check the network, AWS_REGION and AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SECRETS_MANAGER',
}, {
  code: 'AWS_NOT_AN_API_ANSWER',
  matches: (f) => f.notAws,
  message: (f, c) => `${serviceOf(c)} ${c.operation} on ${on(c, 'the account')} got an answer ` +
    `that is not the AWS API's (${f.name}${f.status ? `, HTTP ${f.status}` : ''})`,
  hint: () => 'the endpoint answered with something that is not the AWS API (a proxy or login ' +
    'page?): point AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SECRETS_MANAGER at Secrets Manager, ' +
    `then ${RETRY_ALONE}`,
}, {
  code: 'AWS_ERROR',
  matches: () => true,
  message: (f, c) =>
    `${serviceOf(c)} ${c.operation} failed on ${on(c, 'the account')}: ${detailOf(f, c)}`,
  hint: () => `see the AWS error name above; once fixed, ${RETRY_ALONE}`,
}];

/** The IrError for an error thrown by a Secrets Manager call; IrErrors pass through. */
export function toIrError(error: unknown, context: AwsCallContext): IrError {
  if (error instanceof IrError) return error;
  const facts = factsOf(error);
  const rule = RULES.find((candidate) => candidate.matches(facts, context)) ?? RULES[RULES.length - 1]!;
  return new IrError(rule.message(facts, context), {
    code: rule.code,
    source: rule.source ?? 'environment',
    hint: rule.hint(context),
    // The cause could carry echoed input, so a failed PutSecretValue keeps none.
    cause: context.operation === 'PutSecretValue' ? undefined : error,
  });
}

/** The same error, its hint pointing to `ir resume` of the incident it failed in, not a new one. */
export function withResumeHint(error: unknown, incidentDir: string): unknown {
  if (!(error instanceof IrError) || !error.hint?.endsWith(RETRY_ALONE)) return error;
  const resume = `finish it in this incident: ir resume ${incidentDir}`;
  const hint = `${error.hint.slice(0, -RETRY_ALONE.length)}${resume}`;
  return new IrError(error.message, {
    code: error.code, source: error.source, exitCode: error.exitCode, hint, cause: error.cause,
  });
}

/** The error name, plus AWS's first message line for calls that carry no secret value. */
function detailOf(facts: ErrorFacts, context: AwsCallContext): string {
  if (context.operation === 'PutSecretValue') return facts.name;
  const line = facts.message.split('\n')[0]?.slice(0, 200) ?? '';
  return line && line !== facts.name ? `${facts.name}: ${line}` : facts.name;
}
