import {
  randomBytes,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { AuditUnavailableError } from '../errors/audit.js';

// The kiosk's own Ed25519 key, which signs the audit log's checkpoints (DESIGN §6). Kept as a
// PKCS#8 PEM file under the state folder, owner-only, made on first use; its public half is
// written beside it (`.pub.pem`) for whoever keeps the checkpoints and verifies them elsewhere.

/** The key that signs checkpoints, with its public half and id. */
export interface KioskKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SHA-256 of the public key's SubjectPublicKeyInfo DER, lower-case hex. */
  readonly keyId: string;
}

/** Largest key file read: an Ed25519 PEM is about 120 bytes. */
const maxKeyFileBytes = 16 * 1024;

/** Where the public half of the key in `keyFile` is written. */
export function publicKeyFileOf(keyFile: string): string {
  return keyFile.replace(/(\.pem)?$/, '.pub.pem');
}

/**
 * The key in `keyFile`, made there (0600, its folder 0700) if the file does not exist. Two
 * processes starting at once end with the same key.
 */
export function loadOrCreateKioskKey(keyFile: string): KioskKey {
  try {
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    if (!existsSync(keyFile)) {
      // Written whole under a temporary name, then linked into place: link() fails if the name
      // exists, so a concurrent start either wins or reads the winner's complete file.
      const { privateKey } = generateKeyPairSync('ed25519');
      const temporary = `${keyFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(temporary, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        mode: 0o600,
        flag: 'wx',
      });
      try {
        linkSync(temporary, keyFile);
        writeFileSync(publicKeyFileOf(keyFile), publicPem(createPublicKey(privateKey)), {
          mode: 0o644,
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        unlinkSync(temporary);
      }
    }
  } catch (cause) {
    throw new AuditUnavailableError(keyFile, 'cannot make the kiosk key', { cause });
  }
  return readKioskKey(keyFile);
}

/** The key in an existing `keyFile`. */
export function readKioskKey(keyFile: string): KioskKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readSmall(keyFile));
  } catch (cause) {
    throw new AuditUnavailableError(keyFile, 'cannot read the kiosk key', { cause });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new AuditUnavailableError(keyFile, 'the kiosk key is not an Ed25519 key');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** A public key from a PEM file (SubjectPublicKeyInfo), or the public half of a private key. */
export function readPublicKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    const pem = readSmall(file);
    key = pem.includes('PRIVATE KEY')
      ? createPublicKey(createPrivateKey(pem))
      : createPublicKey(pem);
  } catch (cause) {
    throw new AuditUnavailableError(file, 'cannot read a public key', { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new AuditUnavailableError(file, 'not an Ed25519 key');
  return key;
}

/** A public key's id: SHA-256 of its SubjectPublicKeyInfo DER, lower-case hex. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

function publicPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** A small regular file's text; a device, a folder or a large file is refused unread. */
function readSmall(file: string): string {
  const fd = openSync(file, 'r');
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
    const buffer = Buffer.alloc(maxKeyFileBytes + 1);
    let filled = 0;
    for (;;) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
      if (filled > maxKeyFileBytes) throw new Error(`larger than ${maxKeyFileBytes} bytes`);
    }
    return buffer.subarray(0, filled).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
