import type { Redactor } from '../redactor.js';
import type { SecretsApi } from './secrets-api.js';

/** Wraps a SecretsApi so every value that passes through it is known to the redactor. */
export function redactingSecretsApi(api: SecretsApi, redactor: Redactor): SecretsApi {
  return {
    ...api,
    async getSecretString(secretId, versionId) {
      const value = await api.getSecretString(secretId, versionId);
      redactor.add(value);
      return value;
    },
    async getRandomPassword(length) {
      const value = await api.getRandomPassword(length);
      redactor.add(value);
      return value;
    },
    putSecretValue(request) {
      redactor.add(request.secretString);
      return api.putSecretValue(request);
    },
  };
}
