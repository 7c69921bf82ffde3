import type { Writable } from 'node:stream';
import { raInProcess } from '../../../../src/kiosk/raInProcess.js';
import type { RaClient, RaRegistrationRequest } from '../../../../src/kiosk/ra.js';
import {
  KioskService,
  type InPersonApproval,
  type OutsideEvent,
  type RunningVisit,
} from '../../../../src/kiosk/service.js';
import type { Logger } from '../../../../src/log/logger.js';
import { kiosk, idn, until } from '../../../support/kioskWorld.js';
import { defaultInstitutions } from '../../../../src/kiosk/institutions.js';

// The attacks' kiosk: the kiosk world of test/support/kioskWorld.ts with a service of our own in
// front of it, whose RA records what it is asked (the IDN copied as text before the vault zeroes
// it), can be held until the test lets it answer or made to fail, and with a fee-charging type.

/** The demo's: a free restricted and a 4,400-won general-purpose certificate. */
export const institutions = defaultInstitutions;

export interface RaSeen extends Omit<RaRegistrationRequest, 'idn'> {
  readonly idn: string;
}

export interface AttackOptions {
  /** Answers only once this settles (a slow RA). */
  readonly raGate?: Promise<void>;
  /** Fails every registration with this. */
  readonly raFails?: Error;
  readonly log?: Logger;
  readonly delays?: { inactivityWarning: number; inactivityWipe: number; tellerApproval: number };
}

export async function attackKiosk(kind: 'usb' | 'token', options: AttackOptions = {}) {
  const base = await kiosk(kind);
  const { world } = base;
  const seen: RaSeen[] = [];
  const codes: string[] = [];
  const operatorRa = raInProcess(world.ca.db);
  const ra: RaClient = {
    ...operatorRa,
    register: async (request, signal) => {
      seen.push({ ...request, idn: Buffer.from(request.idn).toString('ascii') });
      await options.raGate;
      if (options.raFails !== undefined) throw options.raFails;
      const registration = await operatorRa.register(request, signal);
      codes.push(registration.authCode.toString('ascii'));
      return registration;
    },
  };
  const raEncryption = world.ca.trust.raEncryption;
  if (raEncryption === undefined) throw new Error('no RA certificate');
  const service = new KioskService({
    ctx: options.log === undefined ? world.ctx : { ...world.ctx, log: options.log },
    institutions,
    ra,
    ca: { url: 'http://ca.invalid/', trust: world.ca.trust, raEncryption },
    delays: options.delays ?? {
      inactivityWarning: 600_000,
      inactivityWipe: 60_000,
      tellerApproval: 600_000,
    },
  });
  return {
    ...base,
    service,
    seen,
    codes,
    close: () => {
      service.close();
      base.close();
    },
  };
}

/** Home → issue (the free type) → the form with the test IDN → the in-person check, pending. */
export async function walkToInPersonApproval(visit: RunningVisit): Promise<void> {
  visit.send({ type: 'visitor.start', purpose: 'issue' });
  visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
  visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
  visit.send({ type: 'visitor.noChip' });
  await until(visit, (s) => s.matches({ flow: 'identity' }));
}

/** The teller's in-person approval of the visitor's resident card (the form's own number). */
export function approveInPerson(visit: RunningVisit): Promise<InPersonApproval> {
  return visit.approveInPerson({
    teller: 'kim',
    document: { type: 'residentCard', number: Buffer.from('900101-1234568') },
  });
}

/** An event as a caller outside TypeScript may send it (JSON from a screen or the teller API). */
export const untyped = (event: Record<string, unknown>): OutsideEvent =>
  event as unknown as OutsideEvent;

/** Everything a pino logger writes, line by line. */
export function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = {
    write(chunk: string) {
      lines.push(chunk);
      return true;
    },
  } as unknown as Writable;
  return { stream, lines };
}

/** Lets pending promises and timers of zero delay run. */
export const settle = (times = 20): Promise<void> =>
  Array.from({ length: times }).reduce<Promise<void>>(
    (p) => p.then(() => new Promise((r) => setImmediate(r))),
    Promise.resolve(),
  );
