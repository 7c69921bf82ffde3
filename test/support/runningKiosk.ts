import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultInstitutions } from '../../src/kiosk/institutions.js';
import { raInProcess } from '../../src/kiosk/raInProcess.js';
import type { KioskView, RunningKiosk } from '../../src/kiosk/run/kiosk.js';
import type { KioskSetup } from '../../src/kiosk/run/setup.js';
import type { ServiceWorld } from './serviceWorld.js';

// Helpers for tests of the running kiosk (src/kiosk/run/kiosk.ts) on fakes: its CA check against
// a tiny server on loopback, and waiting for a view.

/** Resolves with the first view `ready` accepts (now or later); polls stay the kiosk's own. */
export function untilView(
  kiosk: Pick<RunningKiosk, 'subscribe' | 'snapshot'>,
  ready: (view: KioskView) => boolean,
): Promise<KioskView> {
  return new Promise((resolve) => {
    const look = (view: KioskView): void => {
      if (!ready(view)) return;
      stop();
      resolve(view);
    };
    const stop = kiosk.subscribe(look);
    look(kiosk.snapshot());
  });
}

/** An HTTP server answering 404 to everything: a CA that is up, as far as the check goes. */
export async function answering(port = 0): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Closes `server` and its open connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}

/**
 * A kiosk setup over a world's fake CA: its RA in process, its CMP URL the answering `server`
 * (the kiosk's CA check only asks whether something answers there).
 */
export function setupOver(world: Pick<ServiceWorld, 'ca'>, server: Server): KioskSetup {
  const { port } = server.address() as AddressInfo;
  const raEncryption = world.ca.trust.raEncryption;
  if (raEncryption === undefined) throw new Error('no RA certificate');
  return {
    institutions: defaultInstitutions,
    ca: { url: `http://127.0.0.1:${String(port)}/pkix/`, trust: world.ca.trust, raEncryption },
    ra: raInProcess(world.ca.db),
    close: () => Promise.resolve(),
  };
}
