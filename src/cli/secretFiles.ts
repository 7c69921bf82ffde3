import { InputFileError } from '../errors/index.js';
import { readBoundedFile } from '../shared/readBoundedFile.js';
import { checkResidentNumber } from '../../machines/form/residentNumber.js';

/** Secret files hold one short line; anything larger is a mistake (a wrong path), not a secret. */
const maxSecretBytes = 4096;

/**
 * Reads a secret from a file (DESIGN §11: secrets never come from arguments). One trailing line
 * break is removed, as editors and `echo` add one. The caller zeroes the buffer when done; the
 * content never appears in an error message.
 */
export async function readSecretFile(path: string, what: string): Promise<Buffer> {
  const read = await readBoundedFile(path, maxSecretBytes);
  if (!read.ok) {
    throw new InputFileError(path, `cannot read the ${what} file (${read.problem})`, {
      cause: read.cause,
    });
  }
  const raw = read.bytes;
  let end = raw.length;
  if (raw[end - 1] === 0x0a) end--;
  if (raw[end - 1] === 0x0d) end--;
  const secret = Buffer.from(raw.subarray(0, end));
  raw.fill(0);
  if (secret.length === 0) throw new InputFileError(path, `the ${what} file is empty`);
  return secret;
}

/**
 * Reads several secret files, runs `work` with them and zeroes them all afterwards, also when a
 * later file cannot be read or `work` fails.
 */
export async function withSecretFiles<T>(
  files: readonly (readonly [path: string, what: string])[],
  work: (secrets: Buffer[]) => Promise<T>,
): Promise<T> {
  const secrets: Buffer[] = [];
  try {
    for (const [path, what] of files) secrets.push(await readSecretFile(path, what));
    return await work(secrets);
  } finally {
    for (const secret of secrets) secret.fill(0);
  }
}

/** Reads a resident registration number from a file: 13 digits, with or without the dash. */
export async function readIdnFile(path: string): Promise<string> {
  const raw = await readSecretFile(path, 'IDN');
  const check = checkResidentNumber(raw.toString('utf8'));
  raw.fill(0);
  if (check.digits === undefined || !check.ok) {
    throw new InputFileError(
      path,
      'the IDN file does not hold a valid 13-digit resident registration number',
    );
  }
  return check.digits;
}
