import { createHash } from 'node:crypto';

/**
 * PBKDF1 with SHA-1 (RFC 8018 §5.1) as KISA's seedCBCWithSHA1 uses it: T1 = SHA1(P‖S),
 * Ti = SHA1(Ti−1), DK = Tc, all 20 bytes (no truncation to a key length here; the caller splits
 * DK into key and IV material). Hand-written: Node has no PBKDF1, and it is four lines.
 */
export function pbkdf1Sha1(password: Uint8Array, salt: Uint8Array, iterations: number): Buffer {
  let t = createHash('sha1').update(password).update(salt).digest();
  for (let i = 1; i < iterations; i++) {
    const next = createHash('sha1').update(t).digest();
    t.fill(0);
    t = next;
  }
  return t;
}
