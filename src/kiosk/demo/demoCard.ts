import { FakePcscDriver } from '../../../drivers/pcsc/fake.js';
import type { PcscDriver } from '../../../drivers/pcsc/contract.js';
import type { Devices } from '../../service/devices.js';
import { loadProfile } from '../../virtualDocument/profile.js';
import { VirtualEmrtd } from '../../virtualDocument/virtualCard.js';

/**
 * The demo's ID card (issue 15 item 4): the virtual eMRTD of the specimen passport, put into
 * pcscd's virtual reader through vpcd where pcscd runs with vsmartcard's vpcd (the kiosk then
 * reads it exactly as a real chip, over PC/SC), otherwise on a reader inside this process (the
 * same APDUs, no pcscd), which the demo's banner says.
 */
export interface DemoCard {
  /** How the chip is reached. */
  readonly transport: 'vpcd' | 'inProcess';
  /** The reader driver to use instead of the machine's (in process only). */
  readonly pcsc?: PcscDriver;
  /** Takes the card away (the connection to vpcd closed). */
  close(): Promise<void>;
}

/** vpcd's first slot (DESIGN §3.2). */
const vpcd = { host: '127.0.0.1', port: 35963 } as const;
/** A vpcd that does not accept within this long is taken as absent. */
const connectMs = 500;

export const inProcessReader = 'Demo Reader (in-process) 00 00';

export async function demoCard(devices: Devices, profileDir: string): Promise<DemoCard> {
  const card = new VirtualEmrtd(await loadProfile(profileDir));
  const connection = devices.attachVirtualCard(card, { ...vpcd, onError: () => undefined });
  let timer: NodeJS.Timeout | undefined;
  const attached = await Promise.race([
    connection.ready.then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, connectMs);
    }),
  ]);
  clearTimeout(timer);
  if (attached) return { transport: 'vpcd', close: () => connection.close() };
  await connection.close();
  const pcsc = new FakePcscDriver();
  pcsc.addReader(inProcessReader);
  pcsc.insert(inProcessReader, card);
  return { transport: 'inProcess', pcsc, close: () => Promise.resolve() };
}
