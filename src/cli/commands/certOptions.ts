import { readSecretFile } from '../secretFiles.js';
import { UsageError } from '../../errors/index.js';
import { secretKindFor, type KeySecret, type Medium } from '../../service/medium.js';

// The flags of `kiosk cert …` shared by its commands, and how they become what the service takes.

export const storageHelp =
  'dir:PATH (a folder that contains NPKI/), usb:DEVICE (a drive or FAT image) or token:LABEL';
export const pinHelp = 'token: file holding the token user PIN';
export const moduleHelp = 'token: the PKCS#11 library (default: config, then the token catalogue)';

/** The options every `kiosk cert …` command that may name a token takes. */
export interface TokenOptions {
  pinFile?: string;
  pkcs11Module?: string;
  json?: boolean;
}

/** Which secret file opens keys on the medium, from the flags (checked before any work). */
export function keySecretFile(
  medium: Medium,
  options: { passwordFile?: string; pinFile?: string },
): { readonly kind: KeySecret['kind']; readonly path: string } {
  if (secretKindFor(medium) === 'password')
    return { kind: 'password', path: requirePasswordFile(options) };
  refusePasswordFile(options);
  if (options.pinFile === undefined)
    throw new UsageError('--pin-file is required for token: storage');
  return { kind: 'pin', path: options.pinFile };
}

/** Reads the key secret; the caller zeroes its bytes. */
export async function readKeySecret(file: {
  readonly kind: KeySecret['kind'];
  readonly path: string;
}): Promise<KeySecret> {
  const bytes = await readSecretFile(file.path, file.kind === 'pin' ? 'PIN' : 'password');
  return { kind: file.kind, bytes };
}

/** The line a token operation prints when it removed what earlier attempts left. */
export function cleanupLine(count: number): string[] {
  return count === 0 ? [] : [`removed ${String(count)} unfinished key pair(s) of earlier attempts`];
}

/** The key file's password file, which dir: and usb: storage need (checked before any work). */
export function requirePasswordFile(options: { passwordFile?: string }): string {
  if (options.passwordFile === undefined)
    throw new UsageError('--password-file is required for dir: and usb: storage');
  return options.passwordFile;
}

/** A token is opened with its PIN: a password file given for one is a mistake, said so. */
export function refusePasswordFile(options: { passwordFile?: string }): void {
  if (options.passwordFile !== undefined)
    throw new UsageError('--password-file is for dir: storage; a token takes --pin-file');
}
