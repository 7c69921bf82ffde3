import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  IdAuthenticity,
  IdAuthenticityAnswer,
  IdAuthenticityRequest,
} from '../../src/kiosk/idAuthenticity/contract.js';

/**
 * What every IdAuthenticity does (src/kiosk/idAuthenticity/contract.ts), for the fake here and for
 * a real service wherever one is reachable (STYLE #4). Only the fake runs here: no real service
 * is reachable from this project. A real driver (행정안전부 주민등록증 진위확인, 경찰청 /
 * 도로교통공단 운전면허 진위확인) runs this same suite from test/integration/ against the service's
 * test environment, with test documents the service issues for that purpose.
 */

/** A document the target knows: its canonical number (idDocument.ts) and its holder. */
export interface KnownDocument {
  readonly type: IdAuthenticityRequest['type'];
  readonly number: string;
  readonly name: string;
  readonly issueDate?: string;
}

/** A service, documents it answers for, and the hands that break it where a target can. */
export interface IdAuthenticityTarget {
  readonly service: IdAuthenticity;
  /** A document the service knows as authentic. */
  readonly authentic: KnownDocument;
  /** A document the service answers for, and not as authentic (unknown, lost, superseded). */
  readonly notAuthentic: KnownDocument;
  /** Makes the service unreachable (a fake's control; a real target: an address nobody serves). */
  readonly takeDown?: () => Promise<void>;
  /** Makes every answer wait this long; only a fake can do it on demand. */
  readonly slowDown?: (ms: number) => void;
  cleanup(): Promise<void>;
}

function requestFor(document: KnownDocument): IdAuthenticityRequest {
  return {
    type: document.type,
    number: Buffer.from(document.number, 'latin1'),
    name: document.name,
    ...(document.issueDate !== undefined ? { issueDate: document.issueDate } : {}),
  };
}

const results = new Set<IdAuthenticityAnswer['result']>([
  'authentic',
  'notAuthentic',
  'unavailable',
]);

export function idAuthenticityContractSuite(
  name: string,
  makeTarget: () => Promise<IdAuthenticityTarget>,
): void {
  describe(`ID authenticity contract: ${name}`, () => {
    let target: IdAuthenticityTarget;

    beforeEach(async () => {
      target = await makeTarget();
    });

    afterEach(async () => {
      await target.cleanup();
    });

    it('answers authentic for a document it knows, notAuthentic for one it refuses', async () => {
      const yes = await target.service.check(requestFor(target.authentic));
      expect(yes.result).toBe('authentic');
      const no = await target.service.check(requestFor(target.notAuthentic));
      expect(no.result).toBe('notAuthentic');
    });

    it('answers only with the contract values, a reference only as bounded text', async () => {
      for (const document of [target.authentic, target.notAuthentic]) {
        const answer = await target.service.check(requestFor(document));
        expect(results.has(answer.result)).toBe(true);
        if ('reference' in answer) expect(answer.reference).toMatch(/^[\x21-\x7e]{1,64}$/);
      }
    });

    it('leaves the number it was given as it was', async () => {
      const request = requestFor(target.authentic);
      const before = Buffer.from(request.number);
      await target.service.check(request);
      expect(Buffer.from(request.number).equals(before)).toBe(true);
    });

    it('does not depend on the caller keeping the number after the answer', async () => {
      const request = requestFor(target.authentic);
      await target.service.check(request);
      request.number.fill(0);
      expect((await target.service.check(requestFor(target.authentic))).result).toBe('authentic');
    });

    it('rejects with the reason when aborted before the call, asking nothing', async () => {
      const controller = new AbortController();
      const reason = new Error('visit cancelled');
      controller.abort(reason);
      await expect(
        target.service.check(requestFor(target.authentic), controller.signal),
      ).rejects.toBe(reason);
    });

    it('answers unavailable, never rejecting, when the service is down', async (context) => {
      if (target.takeDown === undefined) {
        context.skip('this target cannot take the service down');
        return;
      }
      await target.takeDown();
      const answer = await target.service.check(requestFor(target.authentic));
      expect(answer).toEqual({ result: 'unavailable' });
    });

    it('rejects with the reason as soon as aborted mid-call, not when the service answers', async (context) => {
      if (target.slowDown === undefined) {
        context.skip('only a fake can slow the service on demand');
        return;
      }
      target.slowDown(3_600_000);
      const controller = new AbortController();
      const reason = new Error('visit cancelled');
      const pending = target.service.check(requestFor(target.authentic), controller.signal);
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
    });
  });
}
