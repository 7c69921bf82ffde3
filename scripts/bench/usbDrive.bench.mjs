// Format + NPKI write on a USB drive (issue 5): the kiosk's RealUsbDrives (from dist/: open the
// image with its safety checks, mkfs.vfat + fsck.vfat -n, then the all-or-nothing pair write in
// process: folders, staging, read-back, rename, each step flushed) against the plain tools an
// operator would run for the same result (`mkfs.vfat -F 32`, `mmd` for the four folders, `mcopy`
// of the two files), on the same 64 MiB image file. The kiosk does more (fsck, read-back,
// staging, safety, fdatasync), which is what the ratio prices. Target: within 20 % (issue 5).
// Also shown: the tools doing all the kiosk's steps by hand. The contenders run in turn, so load on the machine weighs on each alike.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RealUsbDrives } from '../../dist/drivers/usbdrive/realUsbDrives.js';
import { writePair } from '../../dist/src/storage/driveNpki.js';
import { interleavedMedianMs, report } from './timing.mjs';

const runs = 25;
const mib = 1024 * 1024;
const fixture = fileURLToPath(
  new URL('../../../shared/fixtures/npki/yessign-test-pypinksign/', import.meta.url),
);
const env = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1' };
const caFolder = 'yessign';
const dnFolder = 'cn=홍길동()0012345678901234,ou=personal4IB,ou=kiosk,o=yessign,c=kr';

export async function run() {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'bench-usb-'));
  try {
    const image = join(dir, 'stick.img');
    const fresh = () => {
      writeFileSync(image, '');
      truncateSync(image, 64 * mib);
    };
    const files = {
      signCert: new Uint8Array(readFileSync(join(fixture, 'signCert.der'))),
      signKey: new Uint8Array(readFileSync(join(fixture, 'signPri.key'))),
    };
    const driver = new RealUsbDrives({
      maxBytes: 128 * mib,
      allowImageFiles: true,
      imageFolder: dir,
    });
    const ours = async () => {
      fresh();
      const drive = await driver.open(image);
      await drive.format('NPKI');
      await writePair(drive, caFolder, dnFolder, files, { replace: false });
    };

    const certFile = join(dir, 'signCert.der');
    const keyFile = join(dir, 'signPri.key');
    writeFileSync(certFile, files.signCert);
    writeFileSync(keyFile, files.signKey);
    const theirs = () => {
      fresh();
      execFileSync('mkfs.vfat', ['-F', '32', '-I', '-n', 'NPKI', image], { stdio: 'pipe' });
      const user = `::/NPKI/${caFolder}/USER`;
      execFileSync(
        'mmd',
        ['-i', image, '::/NPKI', `::/NPKI/${caFolder}`, user, `${user}/${dnFolder}`],
        { env, stdio: 'pipe' },
      );
      execFileSync('mcopy', ['-i', image, certFile, keyFile, `${user}/${dnFolder}/`], {
        env,
        stdio: 'pipe',
      });
    };

    // The same guarantees by hand: what the kiosk's extra steps cost when the tools do them (fsck
    // after formatting, one listing for existing pairs and leftovers, the files staged under a
    // temporary name with their folders, read back, renamed into place).
    const staged = join(dir, 'tree');
    const stagingDir = join(staged, 'NPKI', caFolder, 'USER', '.kiosk-staging-bench');
    execFileSync('mkdir', ['-p', stagingDir]);
    writeFileSync(join(stagingDir, 'signCert.der'), files.signCert);
    writeFileSync(join(stagingDir, 'signPri.key'), files.signKey);
    const back = join(dir, 'back');
    const byHand = () => {
      fresh();
      rmSync(back, { recursive: true, force: true });
      execFileSync('mkdir', [back]);
      execFileSync('mkfs.vfat', ['-F', '32', '-I', '-n', 'NPKI', image], { stdio: 'pipe' });
      execFileSync('fsck.vfat', ['-n', image], { stdio: 'pipe' });
      const user = `::/NPKI/${caFolder}/USER`;
      spawnSync('mdir', ['-i', image, '-/', '-b', '::/NPKI'], { env, stdio: 'pipe' });
      execFileSync('mcopy', ['-s', '-D', 'o', '-i', image, join(staged, 'NPKI'), '::/'], {
        env,
        stdio: 'pipe',
      });
      execFileSync(
        'mcopy',
        [
          '-n',
          '-i',
          image,
          `${user}/.kiosk-staging-bench/signCert.der`,
          `${user}/.kiosk-staging-bench/signPri.key`,
          `${back}/`,
        ],
        { env, stdio: 'pipe' },
      );
      execFileSync('mmove', ['-i', image, `${user}/.kiosk-staging-bench`, `${user}/${dnFolder}`], {
        env,
        stdio: 'pipe',
      });
    };

    const [oursMs, theirsMs, byHandMs] = await interleavedMedianMs([ours, theirs, byHand], runs);
    report(
      'format FAT32 + NPKI pair write, 64 MiB image',
      oursMs,
      theirsMs,
      'mkfs.vfat + mmd + mcopy',
    );
    report(
      '  the same guarantees (fsck, listing, staging, read-back, rename)',
      oursMs,
      byHandMs,
      'the same tools by hand',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
