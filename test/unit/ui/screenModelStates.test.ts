import { describe, expect, it } from 'vitest';
import { screenModel } from '../../../src/kiosk/screens/model.js';
import { failures, purposes, steps, t } from '../../../src/kiosk/screens/strings.js';
import { screenSafe } from '../../../src/text/screenSafe.js';
import { handMadeVisit, hostile, viewWith } from '../../support/screenVisits.js';

// Issue 15 item 1: the screens a real visit on fakes does not reach easily (faults, a hostile
// chip, the inactivity warning), from hand-made snapshots.

describe('screens from hand-made snapshots', () => {
  it('out of service names what is wrong and asks for staff', () => {
    const m = screenModel(
      viewWith(undefined, { state: 'outOfService', problems: ['noReader', 'caUnreachable'] }),
      'ko',
    );
    expect(m.screen).toBe('outOfService');
    expect(m.lines).toEqual([
      '신분증 판독기가 연결되어 있지 않습니다.',
      '인증기관에 연결할 수 없습니다.',
      '직원에게 문의해 주세요.',
    ]);
  });

  it('a failure is what happened and what to do, on the step that failed', () => {
    const visit = handMadeVisit({
      flow: 'caUnreachable',
      context: {
        failed: 'issuing',
        ref: 'R-1234',
        failure: { kind: 'caUnreachable', detail: 'ECONNREFUSED', spent: 'nothing' },
      },
    });
    const ko = screenModel(viewWith(visit), 'ko');
    expect(ko.steps.current).toBe(6);
    expect(ko.error).toEqual({
      happened: '인증기관에 연결할 수 없습니다.',
      todo: '잠시 후 다시 시도하세요.',
    });
    expect(ko.keys).toContain('Enter 다시 시도');
    // The detail is for the log and staff, never the visitor's screen.
    expect(JSON.stringify(ko)).not.toContain('ECONNREFUSED');
    expect(screenModel(viewWith(visit), 'en').error?.todo).toBe('Try again in a moment.');
    const staff = screenModel(
      viewWith(
        handMadeVisit({
          flow: 'staffNeeded',
          context: { failed: 'issuing', failure: { kind: 'caRefused', detail: '' } },
        }),
      ),
      'ko',
    );
    expect(staff.title).toBe('직원을 불러 주세요');
    expect(staff.keys).not.toContain('F10');
  });

  it('the card pulled while reading: reader status and what to do', () => {
    const visit = handMadeVisit({
      flow: 'identity',
      children: {
        identity: {
          value: { chip: 'waitingForCard' },
          context: { failure: { kind: 'cardRemoved', detail: '' }, mrzProblems: [] },
        },
      },
    });
    const m = screenModel(viewWith(visit, { readers: [] }), 'ko');
    expect(m.screen).toBe('waitingForCard');
    expect(m.lines).toContain('판독기: 연결된 판독기가 없습니다');
    expect(m.error?.todo).toBe('신분증을 다시 올려 두세요.');
  });

  it('a hostile chip name and CA subject are shown inert', () => {
    const chip = {
      surname: hostile,
      givenNames: '\u202eKIL',
      birthDate: '900101',
      documentNumber: 'M1234',
      verified: false,
      failures: [],
      mismatches: [],
      nameNeedsTeller: true,
    };
    const teller = screenModel(
      viewWith(
        handMadeVisit({
          flow: 'identity',
          children: { identity: { value: 'approval', context: { chip } } },
        }),
      ),
      'ko',
    );
    expect(teller.lines).toContain('HONG?[31mRED?EVIL/GIL*DONG(1) ?KIL');
    const result = screenModel(
      viewWith(
        handMadeVisit({
          flow: 'done',
          context: {
            issued: {
              serial: '0a1b',
              subject: `CN=${hostile}`,
              notAfter: '2027-12-04T00:00:00Z',
              renewalFrom: '2027-11-04',
            },
          },
        }),
      ),
      'en',
    );
    // No O= in this subject, and a hand-made visit has chosen no certificate type.
    expect(result.lines[0]).toBe('issued by: -   usage: -');
    expect(result.lines[1]).toBe('Certificate: CN=HONG?[31mRED?EVIL/GIL*DONG(1)');
    expect(result.lines[3]).toBe('valid until: 2027-12-04   renewable from: 2027-11-04');
    // eslint-disable-next-line no-control-regex -- looking for controls is the point
    expect(JSON.stringify([teller, result])).not.toMatch(/[\u0000-\u001f\u202e\u00b7\u203b\u2460]/);
  });

  it('the inactivity warning counts down over any screen', () => {
    const visit = handMadeVisit({ flow: 'form', attention: 'warning' });
    const m = screenModel(viewWith(visit), 'ko', { secondsLeft: 27 });
    expect(m.countdown).toEqual({
      seconds: 27,
      text: '계속하시겠습니까? 27초 후 처음 화면으로 돌아갑니다. 아무 키나 누르세요.',
    });
    expect(screenModel(viewWith(visit), 'en', { secondsLeft: 5 }).countdown?.text).toBe(
      'Are you still there? 5s, then the visit ends. Press any key.',
    );
    expect(screenModel(viewWith(handMadeVisit({ flow: 'form' })), 'ko').countdown).toBeUndefined();
  });

  it('renewal lists the certificates, those outside their window not pickable', () => {
    const certificates = [
      { serial: '01', subject: 'CN=홍길동', notAfter: '2026-12-20', renewable: true },
      { serial: '02', subject: 'CN=홍길동', notAfter: '2027-10-01', renewable: false },
    ];
    const m = screenModel(
      viewWith(
        handMadeVisit({
          flow: 'holding',
          context: { purpose: 'renew' },
          children: { held: { value: 'picking', context: { certificates } } },
        }),
      ),
      'ko',
    );
    expect(m.pick?.items.map((i) => [i.id, i.enabled, i.detail])).toEqual([
      ['01', true, '유효기간 2026-12-20'],
      ['02', false, '유효기간 2027-10-01 (갱신 기간이 아님)'],
    ]);
  });

  it('a drive to format is asked first, with the warning', () => {
    const m = screenModel(
      viewWith(
        handMadeVisit({
          flow: 'storage',
          children: { storage: { value: 'confirmFormat', context: {} } },
        }),
      ),
      'ko',
    );
    expect([m.screen, m.steps.current]).toEqual(['confirmFormat', 4]);
    expect(m.error?.happened).toBe('포맷하면 이 USB 메모리의 모든 내용이 지워집니다.');
  });

  it('revocation asks the certificate, then the reason', () => {
    const visit = handMadeVisit({
      flow: 'pickingRevocation',
      context: {
        purpose: 'revoke',
        atCa: [{ serial: '0c', subject: 'CN=홍길동', notAfter: '2027-01-01', renewable: false }],
      },
    });
    expect(screenModel(viewWith(visit), 'ko').pick?.items.map((i) => i.id)).toEqual(['0c']);
    const reasons = screenModel(viewWith(visit), 'ko', { revokeSerial: '0c' }).pick?.items;
    expect(reasons?.map((i) => i.id)).toEqual([
      '0c/keyCompromise',
      '0c/affiliationChanged',
      '0c/superseded',
      '0c/cessationOfOperation',
    ]);
  });

  it('the kiosk’s own words hold no ambiguous-width glyph or control', () => {
    const words = [
      ...steps,
      ...Object.values(t),
      ...Object.values(failures).flatMap((f) => [f.happened, f.todo]),
      ...Object.values(purposes).flatMap((p) => [p.label, p.detail]),
    ];
    for (const w of words) {
      expect(screenSafe(w.ko)).toBe(w.ko);
      expect(screenSafe(w.en)).toBe(w.en);
    }
  });
});
