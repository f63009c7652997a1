import { randomBytes } from 'node:crypto';

/** The image built by test/support/build-test-image.sh. */
export const TEST_IMAGE = 'ir-test/autotrader:latest';

/** A name no other test (or earlier run) uses: containers, networks, secrets. */
export function uniqueName(prefix: string): string {
  return `ir-test-${prefix}-${randomBytes(4).toString('hex')}`;
}
