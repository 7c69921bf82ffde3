// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata
// polyfill loaded first: every module imports x509 through this one so the order is certain.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

import * as x509 from '@peculiar/x509';

export { x509 };

/**
 * Node's WebCrypto, passed to @peculiar/x509 per call (STYLE #9: no process-global provider).
 * Node's and the DOM's declarations of the same interface differ in detail, hence the cast.
 */
export const nodeCrypto = webcrypto as unknown as Crypto;

/** RSA PKCS#1 v1.5 with SHA-256: what the CA signs with (DESIGN §4.4). */
export const rsaSha256 = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;
