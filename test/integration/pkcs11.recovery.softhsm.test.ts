import { realpathSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenSession } from '../../drivers/pkcs11/contract.js';
import { GraphenePkcs11Driver } from '../../drivers/pkcs11/graphenePkcs11.js';
import { TokenRemovedError, WrongPinError } from '../../src/errors/index.js';
import { softhsmModule, softhsmWorld } from '../support/softhsm.js';

// Re-initialisation after removal-type errors, on SoftHSM2 (DESIGN §3.3). SoftHSM reads its token
// folder only at C_Initialize, so a token made by softhsm2-util after the driver loaded becomes
// visible exactly when the module is re-initialised: that is what these tests observe. SoftHSM
// cannot pull a token; a closed session's handle gives the same class of error
// (CKR_SESSION_HANDLE_INVALID) that a pulled token gives.
const world = softhsmWorld();
const pin = '246810';
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A removal-type error: a signature through a session whose handle is gone. */
async function sessionHandleInvalid(session: TokenSession): Promise<unknown> {
  const keyPair = await session.generateRsaKeyPair('kiosk-key');
  const signer = session.signer(keyPair);
  await session.close();
  return signer.sign(utf8('data')).catch((e: unknown) => e);
}

async function labels(driver: GraphenePkcs11Driver): Promise<string[]> {
  return (await driver.listTokens()).map((t) => t.label);
}

describe('PKCS#11 module recovery on SoftHSM2', () => {
  let driver: GraphenePkcs11Driver | undefined;
  afterEach(async () => {
    await driver?.close();
  });

  it('re-initialises after a removal-type error, once the sessions are closed', async () => {
    const { label } = world.newToken(pin);
    driver = new GraphenePkcs11Driver(softhsmModule, { recoveryIntervalMs: 0 });
    const session = await driver.open({ label });
    await session.login(utf8(pin));
    const later = world.newToken(pin);
    expect(await labels(driver)).not.toContain(later.label);

    expect(await sessionHandleInvalid(session)).toBeInstanceOf(TokenRemovedError);
    expect(await labels(driver)).toContain(later.label);
    // The module works as before: the first token opens and logs in.
    const again = await driver.open({ label });
    await expect(again.login(utf8(pin))).resolves.toBeUndefined();
    await again.close();
  });

  it('never re-initialises after a PIN error', async () => {
    const { label } = world.newToken(pin);
    driver = new GraphenePkcs11Driver(softhsmModule, { recoveryIntervalMs: 0 });
    const session = await driver.open({ label });
    await expect(session.login(utf8('000000'))).rejects.toBeInstanceOf(WrongPinError);
    await session.close();
    const later = world.newToken(pin);
    expect(await labels(driver)).not.toContain(later.label);
  });

  it('re-initialises at most once per interval', async () => {
    const { label } = world.newToken(pin);
    driver = new GraphenePkcs11Driver(softhsmModule, { recoveryIntervalMs: 3_600_000 });
    const first = await driver.open({ label });
    await first.login(utf8(pin));
    expect(await sessionHandleInvalid(first)).toBeInstanceOf(TokenRemovedError);
    await labels(driver); // the first re-initialisation happens here
    const seenAfterFirst = world.newToken(pin);

    const second = await driver.open({ label });
    await second.login(utf8(pin));
    expect(await sessionHandleInvalid(second)).toBeInstanceOf(TokenRemovedError);
    expect(await labels(driver)).not.toContain(seenAfterFirst.label);
  });

  it('two paths to one library are one module: closing one driver leaves the other working', async () => {
    const { label } = world.newToken(pin);
    const real = realpathSync(softhsmModule);
    expect(real).not.toBe(softhsmModule); // Debian links /usr/lib/softhsm to the multiarch path
    driver = new GraphenePkcs11Driver(softhsmModule);
    const other = new GraphenePkcs11Driver(real);
    const session = await driver.open({ label });
    await session.login(utf8(pin));
    await other.close();
    await expect(session.generateRsaKeyPair('kiosk-key')).resolves.toBeDefined();
    await session.close();
  });
});
