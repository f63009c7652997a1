import type { Redactor } from '../redactor.js';
import type { SecretsApi } from './secrets-api.js';

/** Wraps a SecretsApi so every value that passes through it is known to the redactor. */
export function redactingSecretsApi(api: SecretsApi, redactor: Redactor): SecretsApi {
  return {
    ...api,
    inRegion: (region) => redactingSecretsApi(api.inRegion(region), redactor),
    async getSecretValue(secretId, version) {
      const value = await api.getSecretValue(secretId, version);
      redactor.add(value.secretString);
      return value;
    },
    async getRandomPassword(constraints) {
      const value = await api.getRandomPassword(constraints);
      redactor.add(value);
      return value;
    },
    putSecretValue(request) {
      redactor.add(request.secretString);
      return api.putSecretValue(request);
    },
  };
}
