// Reading an eMRTD through pcscd (issue 6): DG1 + a 20 KB DG2 + EF.SOD from the virtual eMRTD
// behind pcscd and vpcd, by the kiosk's reader over its pcsclite driver (from dist/), with short
// APDUs (at most 231 plain bytes per protected READ BINARY with 3DES SM) and with extended length
// where the reader lets it through. Reported: the APDUs sent against the minimum for the
// transceive size in use (one SELECT, then ceil(size / chunk) reads per file, after BAC's three),
// and the wall time. Needs root (it starts pcscd when none is running) and vsmartcard-vpcd.
// Through vpcd each APDU costs ~45 ms here whatever its size: vpcd writes the length and the
// payload separately, so Nagle's algorithm waits for our delayed ACK; a USB reader has no such
// wait, so the APDU count is the figure that carries over to a branch.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PcscliteDriver } from '../../dist/drivers/pcsc/pcscliteDriver.js';
import { attachToVpcd } from '../../dist/drivers/pcsc/vpcd.js';
import { VirtualEmrtd } from '../../dist/src/virtualDocument/virtualCard.js';
import { EmrtdReader, fid } from '../../dist/drivers/emrtd/reader.js';
import { maxShortResponseData } from '../../dist/drivers/emrtd/secureMessaging.js';
import { encodeDg2, generateTestProfile } from '../../dist/src/virtualDocument/testProfile.js';
import { parseMrz } from '../../dist/drivers/emrtd/mrz.js';

const runs = 5;

export async function run() {
  if (spawnSync('id', ['-u'], { encoding: 'utf8' }).stdout.trim() !== '0') {
    console.log('emrtd: skipped (starting pcscd needs root)');
    return;
  }
  const ours = spawnSync('pgrep', ['-x', 'pcscd']).status !== 0;
  const pcscd = ours ? spawn('pcscd', ['-f', '-a'], { stdio: 'ignore' }) : undefined;
  try {
    while (!existsSync('/run/pcscd/pcscd.comm')) await sleep(50);
    await sleep(300);
    const profile = await generateTestProfile({ seed: 7 });
    const dg2 = encodeDg2(new Uint8Array(20 * 1024).fill(0x5a), { width: 240, height: 320 });
    const files = new Map([
      [fid.dg1, new Uint8Array(profile.dataGroups.get(1))],
      [fid.dg2, new Uint8Array(dg2)],
      [fid.sod, new Uint8Array(profile.sod)],
    ]);
    const chip = new VirtualEmrtd({ mrzInfo: parseMrz(profile.mrz).mrzInfo, files });
    let apdus = 0;
    const card = attachToVpcd({
      atr: chip.atr,
      reset: () => chip.reset(),
      respond: (apdu) => {
        apdus++;
        return chip.respond(apdu);
      },
    });
    await card.ready;
    try {
      for (const mode of ['short', 'extended']) {
        // A driver per mode: it remembers per reader that extended length was refused.
        const driver = new PcscliteDriver({ readerPattern: /^Virtual PCD 00 00$/ });
        const times = [];
        let sent = 0;
        for (let i = 0; i < runs; i++) {
          const transport = await connectWhenPresent(driver);
          if (mode === 'short') transport.noteExtendedLengthRefused();
          const reader = new EmrtdReader(transport);
          apdus = 0;
          const start = performance.now();
          await reader.open({ mrzInfo: parseMrz(profile.mrz).mrzInfo });
          for (const f of [fid.dg1, fid.dg2, fid.sod]) await reader.readFile(f);
          times.push(performance.now() - start);
          sent = apdus;
          reader.close();
          await transport.close();
        }
        // After BAC (3), per file: SELECT, then one READ per chunk of the transceive size.
        // The reader's extended chunk (reader.ts defaultExtendedChunk) is the size in use.
        const chunk = mode === 'short' ? maxShortResponseData(8) : 4096;
        const minimum =
          3 + [...files.values()].reduce((n, f) => n + 1 + Math.ceil(f.length / chunk), 0);
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)];
        const bytes = [...files.values()].reduce((n, f) => n + f.length, 0);
        console.log(
          `DG1 + ${String(Math.round(files.get(fid.dg2).length / 1024))} KB DG2 + SOD (${String(bytes)} bytes), ${mode} APDUs: ` +
            `${String(sent)} APDUs (minimum ${String(minimum)}, ratio ${(sent / minimum).toFixed(2)}), ` +
            `${median.toFixed(1)} ms median of ${String(runs)}`,
        );
        await driver.close();
      }
    } finally {
      await card.close();
    }
  } finally {
    if (pcscd) {
      pcscd.kill('SIGTERM');
      await new Promise((resolve) => pcscd.once('exit', resolve));
    }
  }
}

async function connectWhenPresent(driver) {
  for (let i = 0; ; i++) {
    try {
      return await driver.connect('Virtual PCD 00 00');
    } catch (error) {
      if (i > 50) throw error;
      await sleep(100);
    }
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
