import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CmpClient } from '../../src/cmp/client.js';
import { httpTransport, type CmpTransport } from '../../src/cmp/transport.js';
import { caTrustFromPem } from '../../src/cmp/trust.js';
import { softwareSigner, type Signer } from '../../src/crypto/signer.js';
import { x509 } from '../../src/shared/x509.js';
import { CmpMismatchError, CmpRejectedError } from '../../src/errors/index.js';
import { runKiosk } from '../support/kiosk.js';
import {
  makeMockPki,
  mockRef,
  mockSecret,
  startOpensslMock,
  stopOpensslMocks,
  type MockPki,
  type OpensslMock,
} from '../support/opensslMock.js';
import { tempDir } from '../support/tempDir.js';

// The project's CMP client against `openssl cmp` (OpenSSL 3.0) as mock server: issue 3's
// acceptance (DESIGN §5). The mock returns one certificate, for a key no client has, to every
// request: the client must parse the ip and refuse it with certConf (rejection).
//
// Two interop rules this pins (both found here): the ir template carries a subject, as RFC 4211
// §4.1 requires for a signature POP without poposkInput; and each message goes on a connection
// of its own, since the 3.0 mock drops a transaction on a reused connection.

const newSigner = (): Signer =>
  softwareSigner(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);

/** What a promise rejected with (the mock's certificate is never ours: enrolment must fail). */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the client accepted a certificate for another key');
}

function count(text: string, what: string): number {
  return text.split(what).length - 1;
}

describe('the kiosk CMP client against openssl cmp as mock server', () => {
  // Made while collecting, not in a hook: tempDir registers its cleanup (afterAll) on first use,
  // which takes effect only outside hooks and tests.
  const pkiDir = tempDir('openssl-mock-');
  let pki: MockPki;
  let anchors: x509.X509Certificate[];

  beforeAll(() => {
    pki = makeMockPki(pkiDir);
    anchors = caTrustFromPem(readFileSync(pki.caCert, 'utf8')).anchors;
  });
  afterEach(stopOpensslMocks);
  afterAll(stopOpensslMocks);

  /** One enrolment of a fresh key; the error it ends with and the waits the client asked for. */
  async function enrol(
    mock: OpensslMock,
    transport: (signer: Signer) => CmpTransport = () => httpTransport(mock.url, { retries: 0 }),
  ): Promise<{ error: unknown; sleeps: number[] }> {
    const sleeps: number[] = [];
    const signer = newSigner();
    const client = new CmpClient({
      transport: transport(signer),
      anchors,
      sleep: (ms) => {
        sleeps.push(ms); // a spy: the mock counts polls, not seconds
        return Promise.resolve();
      },
    });
    const error = await failure(
      client.enrol({ ref: mockRef, secret: Buffer.from(mockSecret), signer }),
    );
    return { error, sleeps };
  }

  describe('issue 3 acceptance', () => {
    it('(a) kiosk cert issue: refuses the certificate for another key with certConf, exit 1 CMP_MISMATCH publicKey, nothing stored', async () => {
      const mock = await startOpensslMock(pki);
      const dir = tempDir('mock-issue-');
      const medium = join(dir, 'medium');
      const authCode = join(dir, 'auth');
      const password = join(dir, 'password');
      writeFileSync(authCode, `${mockSecret}\n`);
      writeFileSync(password, 'Kiosk-pass-2026!\n');
      mkdirSync(medium); // cert issue wants an existing folder
      const run = runKiosk([
        'cert',
        'issue',
        '--ca',
        mock.url,
        '--ca-cert',
        pki.bundle,
        '--ref',
        mockRef,
        '--auth-code-file',
        authCode,
        '--password-file',
        password,
        '--storage',
        `dir:${medium}`,
      ]);
      expect(run.stderr).toMatch(/^kiosk: CMP_MISMATCH: publicKey: [^\n]+\n$/);
      expect(run.status).toBe(1);
      await expect.poll(() => mock.log()).toContain('received CERTCONF');
      await expect.poll(() => mock.log()).toContain('certificate rejected by client');
      expect(readdirSync(medium)).toEqual([]);
    });

    it('(b) -send_error: CMP_REJECTED with the mock’s error', async () => {
      const mock = await startOpensslMock(pki, ['-send_error']);
      const { error } = await enrol(mock);
      expect(error).toBeInstanceOf(CmpRejectedError);
      expect(error).toMatchObject({ status: 2, statusText: 'error processing message' });
    });

    it('(c) -pkistatus 2 -failure 2: CMP_REJECTED naming badRequest', async () => {
      const mock = await startOpensslMock(pki, ['-pkistatus', '2', '-failure', '2']);
      const { error } = await enrol(mock);
      expect(error).toBeInstanceOf(CmpRejectedError);
      expect(error).toMatchObject({ status: 2, failInfo: ['badRequest'] });
    });

    it('(d) -poll_count 2 -check_after 1: polls to completion, then refuses the certificate', async () => {
      const mock = await startOpensslMock(pki, ['-poll_count', '2', '-check_after', '1']);
      const { error, sleeps } = await enrol(mock);
      expect(count(mock.log(), 'received POLLREQ')).toBe(2);
      expect(sleeps).toContain(1000);
      expect(error).toBeInstanceOf(CmpMismatchError);
      expect(error).toMatchObject({ what: 'publicKey' });
      await expect.poll(() => mock.log()).toContain('certificate rejected by client');
    });
  });
});
