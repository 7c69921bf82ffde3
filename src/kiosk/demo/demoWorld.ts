import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expectedCheckDigit } from '../../../machines/form/residentNumber.js';
import { configSchema, type Config } from '../../config/index.js';
import { TellerAccounts } from '../../teller/accounts.js';
import { TellerExistsError } from '../../teller/errors.js';
import {
  generateTestProfile,
  writeTestProfile,
  type TestProfileManifest,
} from '../../virtualDocument/testProfile.js';

/**
 * The demo's world on this machine (issue 15 item 4: `kiosk start` with no configuration), kept
 * under `<home>/var/demo` and made once: a specimen passport for the virtual eMRTD (its CSCA
 * trusted by the demo kiosk alone, so the chip verifies), a SoftHSM2 token with a known PIN, a
 * FAT32 image as the USB drive "plugged in", the teller account, and the embedded CA's state
 * folder. Test keys only: nothing here is for a branch, and every credential is printed on the
 * demo's help line on purpose.
 */

const run = promisify(execFile);

/** The credentials the help line shows (made-up, for the demo only). */
export const demoCredentials = {
  teller: 'demo-teller',
  tellerPassword: 'Branch-Visit-2026',
  tokenLabel: 'DEMO-TOKEN',
  tokenPin: '246810',
  usbImage: 'demo-usb.img',
} as const;

const soPin = '13579135';
const imageBytes = 64 * 1024 * 1024;

export interface DemoWorld {
  /** The configuration the demo kiosk runs with. */
  readonly config: Config;
  /** The specimen passport's folder (loadProfile) and what its MRZ holds. */
  readonly document: {
    readonly dir: string;
    readonly manifest: TestProfileManifest;
    /** The holder's name in Hangul, as the visitor types it into the form. */
    readonly name: string;
    /** A made-up resident number of the holder: the chip's birth date and sex, a valid check digit. */
    readonly idn: string;
  };
  /** The token, or why there is none (softhsm2-util missing: the demo offers the drive only). */
  readonly token: { readonly label: string; readonly pin: string } | { readonly missing: string };
  /** The drive image, or why there is none (mkfs.vfat missing). */
  readonly drive: { readonly device: string } | { readonly missing: string };
}

/**
 * Makes (or finds) the demo's world under `home` and returns the demo configuration. SOFTHSM2_CONF
 * is set in this process to the demo's token folder, before any PKCS#11 module loads.
 */
export async function prepareDemoWorld(home: string): Promise<DemoWorld> {
  const dir = resolve(home, 'var/demo');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [document, token, drive] = await Promise.all([
    demoDocument(join(dir, 'document')),
    demoToken(join(dir, 'softhsm')),
    demoDrive(join(dir, 'images')),
  ]);
  const stateDir = join(dir, 'state');
  await demoTeller(stateDir);
  const config = configSchema.parse({
    stateDir,
    usb: { allowImageFiles: true, imageFolder: join(dir, 'images') },
    kiosk: {
      csca: join(document.dir, 'csca'),
      media: 'missing' in token ? ['usb'] : 'missing' in drive ? ['token'] : ['token', 'usb'],
    },
    // Any free loopback port: a branch kiosk or a second demo on this machine keeps its own.
    teller: { listen: '127.0.0.1:0' },
  });
  return { config, document, token, drive };
}

async function demoDocument(dir: string): Promise<DemoWorld['document']> {
  const file = join(dir, 'profile.json');
  const holder = join(dir, 'holder.json');
  if (!existsSync(file) || !existsSync(holder)) {
    const profile = await generateTestProfile({ seed: 1 });
    await writeTestProfile(profile, dir);
    const { hangulName, birthDate, sex } = profile.person;
    await writeFile(holder, JSON.stringify({ name: hangulName, idn: demoIdn(birthDate, sex) }));
  }
  const manifest = JSON.parse(await readFile(file, 'utf8')) as TestProfileManifest;
  const { name, idn } = JSON.parse(await readFile(holder, 'utf8')) as { name: string; idn: string };
  return { dir, manifest, name, idn };
}

/** YYMMDD-GNNNNNC: the 7th digit tells the century and sex (1/2: 1900s, 3/4: 2000s). */
export function demoIdn(birthDate: string, sex: 'M' | 'F'): string {
  const nineteen = Number(birthDate.slice(0, 2)) >= 30;
  const gender = (nineteen ? 1 : 3) + (sex === 'F' ? 1 : 0);
  const twelve = `${birthDate}${String(gender)}12345`;
  return `${birthDate}-${twelve.slice(6)}${String(expectedCheckDigit(twelve))}`;
}

async function demoToken(dir: string): Promise<DemoWorld['token']> {
  const tokens = join(dir, 'tokens');
  const conf = join(dir, 'softhsm2.conf');
  await mkdir(tokens, { recursive: true, mode: 0o700 });
  await writeFile(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  const { tokenLabel: label, tokenPin: pin } = demoCredentials;
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  try {
    const { stdout } = await run('softhsm2-util', ['--show-slots'], { env });
    if (!stdout.includes(`Label:            ${label}`))
      await run(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin],
        { env },
      );
  } catch (error) {
    return { missing: `softhsm2-util: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { label, pin };
}

async function demoDrive(dir: string): Promise<DemoWorld['drive']> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const device = join(dir, demoCredentials.usbImage);
  if (existsSync(device)) return { device };
  const staging = `${device}.${randomBytes(4).toString('hex')}.new`;
  const handle = await open(staging, 'wx', 0o600);
  try {
    await handle.truncate(imageBytes);
  } finally {
    await handle.close();
  }
  try {
    await run('mkfs.vfat', ['-F', '32', '-s', '1', '-I', '-n', 'DEMO-USB', staging]);
  } catch (error) {
    return { missing: `mkfs.vfat: ${error instanceof Error ? error.message : String(error)}` };
  }
  // Only a whole, formatted image gets the drive's name (a demo stopped half-way leaves none).
  await rename(staging, device);
  return { device };
}

async function demoTeller(stateDir: string): Promise<void> {
  const accounts = TellerAccounts.inStateDir(stateDir);
  const password = Buffer.from(demoCredentials.tellerPassword);
  try {
    await accounts.add(demoCredentials.teller, password, new Date());
  } catch (error) {
    if (!(error instanceof TellerExistsError)) throw error;
  } finally {
    password.fill(0);
    accounts.close();
  }
}
