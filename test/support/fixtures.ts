import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `../shared/fixtures/` beside the project: outside data no one here made (fixtures/README.md). */
export const sharedFixtures = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

/** The yessign test certificate published by PyPinkSign, with its key and password. */
export const yessignFixture = `${sharedFixtures}npki/yessign-test-pypinksign/`;

export function readYessign(
  name: 'signCert.der' | 'signPri.key' | 'plainSignPri.der' | 'password.txt',
): Buffer {
  return readFileSync(`${yessignFixture}${name}`);
}

/** R in the fixture's randomNum attribute (fixtures/README.md). */
export const yessignR = '7858b4328390805129f01c97fe6ca4a520cbd479';
