import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issuingPolicyOid } from '../npki/policies.js';
import { CaExistsError, CaSetupError } from '../errors/index.js';
import { nodeCrypto, rsaSha256, x509 } from '../shared/x509.js';

/** One CA key with its certificate. */
export interface CaIdentity {
  readonly certificate: x509.X509Certificate;
  /** For @peculiar/x509 (certificates, CRLs). */
  readonly signingKey: CryptoKey;
  /** For Node crypto (CMP protection, decryption). */
  readonly privateKey: KeyObject;
}

/** Everything the embedded CA works with, loaded from its folder. */
export interface CaMaterial {
  readonly dir: string;
  /** The CA's name as NPKI folders spell it (`yessign`, …): the issuer's O. */
  readonly caName: string;
  /** The registration authority's name: an `ou` of every subject. */
  readonly raName: string;
  readonly root: CaIdentity;
  readonly issuing: CaIdentity;
  /** The key clients encrypt R to (DESIGN §4.3), certified by the root for key encipherment. */
  readonly raEncryption: CaIdentity;
  /** AES-256 key sealing authorization codes and IDNs in the database. */
  readonly sealKey: Buffer;
  readonly databasePath: string;
}

const files = {
  config: 'ca.json',
  root: 'root.crt.pem',
  issuing: 'issuing.crt.pem',
  raEncryption: 'ra-encryption.crt.pem',
  rootKey: 'keys/root.key.pem',
  issuingKey: 'keys/issuing.key.pem',
  raEncryptionKey: 'keys/ra-encryption.key.pem',
  sealKey: 'keys/seal.key',
  database: 'ca.sqlite',
} as const;

/**
 * Creates an embedded CA in `dir` (DESIGN §5, for the demo and tests): a root, an issuing CA
 * under it whose O is `caName` (so NPKI files land in `NPKI/<caName>/`), and an RA encryption
 * certificate. Keys are PKCS#8 PEM files readable by the owner only. Refuses a folder that
 * already holds a CA.
 */
export async function initCa(
  dir: string,
  caName: string,
  raName: string,
  now = new Date(),
): Promise<void> {
  if (existsSync(join(dir, files.config))) throw new CaExistsError(dir);
  await mkdir(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const years = (n: number): Date => new Date(now.getTime() + n * 365 * 86_400_000);
  const root = await selfSigned(demoName(caName, `${caName} Kiosk Demo Root CA`), now, years(20));
  const issuing = await issued(
    root,
    demoName(caName, `${caName} Kiosk Demo Issuing CA`),
    now,
    years(10),
    {
      ca: true,
      usages:
        x509.KeyUsageFlags.keyCertSign |
        x509.KeyUsageFlags.cRLSign |
        x509.KeyUsageFlags.digitalSignature,
      // The policies it issues under (RFC 5280 §6.1.3 (d)): a relying party that requires one,
      // `openssl verify -explicit_policy -policy OID`, accepts the chain (issue 11 item 11).
      policies: [issuingPolicyOid(caName, 'restricted'), issuingPolicyOid(caName, 'general')],
    },
  );
  const raEncryption = await issued(
    root,
    demoName(caName, `${raName} RA Encryption`),
    now,
    years(10),
    {
      ca: false,
      usages: x509.KeyUsageFlags.keyEncipherment,
    },
  );
  for (const [certFile, keyFile, identity] of [
    [files.root, files.rootKey, root],
    [files.issuing, files.issuingKey, issuing],
    [files.raEncryption, files.raEncryptionKey, raEncryption],
  ] as const) {
    await writeFile(join(dir, certFile), identity.certificate.toString('pem') + '\n');
    await writeFile(
      join(dir, keyFile),
      identity.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );
  }
  await writeFile(join(dir, files.sealKey), randomBytes(32), { mode: 0o600 });
  await writeFile(
    join(dir, files.config),
    JSON.stringify({ version: 1, caName, raName, created: now.toISOString() }, null, 2) + '\n',
  );
  await lockDown(dir);
}

/**
 * The CA folder 0700 and everything in it 0600 (its keys 0700), whatever existed before: a
 * folder made earlier with 0755 left ca.sqlite, which holds sealed codes and certificates,
 * readable by all (issue 11 item 17). SQLite gives its -wal and -shm files the database's mode.
 */
async function lockDown(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (entries === undefined) return; // loadCa reports the missing folder
  await chmod(dir, 0o700);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await lockDown(path);
    else if (entry.isFile()) await chmod(path, 0o600);
  }
}

/** Loads the CA in `dir`; CaSetupError naming what is missing or wrong. */
export async function loadCa(dir: string): Promise<CaMaterial> {
  await lockDown(dir);
  const read = async (name: string): Promise<Buffer> => {
    try {
      return await readFile(join(dir, name));
    } catch (cause) {
      throw new CaSetupError(
        dir,
        `${name} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}); run kiosk ca init`,
        { cause },
      );
    }
  };
  let config: { caName?: unknown; raName?: unknown };
  try {
    config = JSON.parse((await read(files.config)).toString('utf8')) as typeof config;
  } catch (cause) {
    if (cause instanceof CaSetupError) throw cause;
    throw new CaSetupError(dir, `${files.config} is not JSON`, { cause });
  }
  if (typeof config.caName !== 'string' || typeof config.raName !== 'string') {
    throw new CaSetupError(dir, `${files.config} lacks caName or raName`);
  }
  const identity = async (certFile: string, keyFile: string): Promise<CaIdentity> => {
    try {
      const certificate = new x509.X509Certificate((await read(certFile)).toString('utf8'));
      const privateKey = createPrivateKey(await read(keyFile));
      return { certificate, privateKey, signingKey: await signingKeyOf(privateKey) };
    } catch (cause) {
      if (cause instanceof CaSetupError) throw cause;
      throw new CaSetupError(dir, `${certFile} or ${keyFile} is not a certificate and key`, {
        cause,
      });
    }
  };
  const sealKey = await read(files.sealKey);
  if (sealKey.length !== 32) throw new CaSetupError(dir, `${files.sealKey} is not 32 bytes`);
  return {
    dir,
    caName: config.caName,
    raName: config.raName,
    root: await identity(files.root, files.rootKey),
    issuing: await identity(files.issuing, files.issuingKey),
    raEncryption: await identity(files.raEncryption, files.raEncryptionKey),
    sealKey,
    databasePath: join(dir, files.database),
  };
}

/**
 * What clients configure (`kiosk ca export`): the issuing CA and the root they trust, and the RA
 * encryption certificate they encrypt R to (DESIGN §4.3).
 */
export function chainPem(ca: CaMaterial): string {
  return (
    [ca.issuing.certificate, ca.root.certificate, ca.raEncryption.certificate]
      .map((c) => c.toString('pem'))
      .join('\n') + '\n'
  );
}

function signingKeyOf(privateKey: KeyObject): Promise<CryptoKey> {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  return nodeCrypto.subtle.importKey('pkcs8', der, rsaSha256, false, ['sign']);
}

/** `C=KR, O=<CA>, OU=Kiosk Demo, CN=…`, C a PrintableString, the rest UTF8String as yessign's. */
function demoName(caName: string, commonName: string): x509.Name {
  return new x509.Name([
    { C: [{ printableString: 'KR' }] },
    { O: [{ utf8String: caName }] },
    { OU: [{ utf8String: 'Kiosk Demo' }] },
    { CN: [{ utf8String: commonName }] },
  ]);
}

async function newIdentity(): Promise<{
  privateKey: KeyObject;
  signingKey: CryptoKey;
  publicKey: Uint8Array<ArrayBuffer>;
}> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    signingKey: await signingKeyOf(privateKey),
    publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
  };
}

async function selfSigned(name: x509.Name, notBefore: Date, notAfter: Date): Promise<CaIdentity> {
  const keys = await newIdentity();
  const publicKey = await nodeCrypto.subtle.importKey(
    'spki',
    new Uint8Array(keys.publicKey),
    rsaSha256,
    true,
    ['verify'],
  );
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name,
      notBefore,
      notAfter,
      keys: { privateKey: keys.signingKey, publicKey },
      signingAlgorithm: rsaSha256,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(publicKey, false, nodeCrypto),
      ],
    },
    nodeCrypto,
  );
  return { certificate, signingKey: keys.signingKey, privateKey: keys.privateKey };
}

async function issued(
  issuer: CaIdentity,
  name: x509.Name,
  notBefore: Date,
  notAfter: Date,
  role: { ca: boolean; usages: x509.KeyUsageFlags; policies?: readonly string[] },
): Promise<CaIdentity> {
  const keys = await newIdentity();
  const policies =
    role.policies === undefined ? [] : [new x509.CertificatePolicyExtension([...role.policies])];
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: name,
      issuer: issuer.certificate.subjectName,
      notBefore,
      notAfter,
      publicKey: keys.publicKey,
      signingKey: issuer.signingKey,
      signingAlgorithm: rsaSha256,
      extensions: [
        new x509.BasicConstraintsExtension(role.ca, role.ca ? 0 : undefined, true),
        new x509.KeyUsagesExtension(role.usages, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, nodeCrypto),
        await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate, false, nodeCrypto),
        ...policies,
      ],
    },
    nodeCrypto,
  );
  return { certificate, signingKey: keys.signingKey, privateKey: keys.privateKey };
}

/** A positive 16-byte serial number, as hex (RFC 5280 §4.1.2.2: at most 20 octets). */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}
