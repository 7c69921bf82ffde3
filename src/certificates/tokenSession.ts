import type { TokenDriver, TokenSelector, TokenSession } from '../../drivers/pkcs11/contract.js';

/** Opens the token, logs in with the PIN, runs `work`, and always closes (logs out). */
export async function withLoggedInToken<T>(
  driver: TokenDriver,
  token: TokenSelector,
  pin: Uint8Array,
  work: (session: TokenSession) => Promise<T>,
): Promise<T> {
  const session = await driver.open(token);
  try {
    await session.login(pin);
    return await work(session);
  } finally {
    await session.close();
  }
}
