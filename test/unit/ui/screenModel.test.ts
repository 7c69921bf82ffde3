import { describe, expect, it } from 'vitest';
import type { KioskView } from '../../../src/kiosk/run/kiosk.js';
import type { RunningVisit, VisitSnapshot } from '../../../src/kiosk/service.js';
import { screenModel, type ScreenLocal } from '../../../src/kiosk/screens/model.js';
import type { ScreenModel } from '../../../ui/contract.js';
import {
  childState,
  idn,
  kiosk,
  mrzOf,
  password,
  reader,
  until,
} from '../../support/kioskWorld.js';

// Issue 15 item 1: a real visit on fakes (test/support/kioskWorld.ts), each step's snapshot
// reduced to its screen: the step bar's position, the title, the key line, in Korean and English.

const viewOf = (visit: VisitSnapshot | undefined): KioskView => ({
  state: 'inVisit',
  problems: [],
  ca: 'answering',
  readers: [reader],
  tokens: ['visitor'],
  drives: ['/dev/sdz'],
  visit,
});

const model = (visit: RunningVisit, local: ScreenLocal = {}, lang: 'ko' | 'en' = 'ko') =>
  screenModel(viewOf(visit.snapshot()), lang, local);

const text = (m: ScreenModel): string =>
  [
    m.title,
    ...m.lines,
    ...(m.pick?.items.map((i) => `${i.label} ${i.detail ?? ''}`) ?? []),
    ...(m.fields?.items.flatMap((f) => [f.label, f.value, ...f.problems]) ?? []),
    ...(m.checklist?.map((c) => c.label) ?? []),
    m.error?.happened ?? '',
    m.error?.todo ?? '',
  ].join('\n');

describe('the screen model of a whole visit', () => {
  it('follows the visit from home to the result, step by step', async () => {
    const { service, profile, close } = await kiosk('usb');
    expect(screenModel(viewOf(undefined), 'ko').screen).toBe('welcome');
    const visit = service.startVisit();

    const home = model(visit);
    expect(home.screen).toBe('home');
    expect(home.steps.current).toBe(0);
    expect(home.steps.labels).toEqual([
      '기관 선택',
      '신청서',
      '본인 확인',
      '저장 매체',
      '비밀번호',
      '발급',
      '완료',
    ]);
    expect(home.pick?.items.map((i) => i.id)).toEqual([
      'issue',
      'reissue',
      'revoke',
      'renew',
      'copy',
      'view',
    ]);
    expect(home.keys).toContain('F2 English');
    expect(model(visit, {}, 'en').pick?.items.map((i) => i.label)).toContain('Renew');

    visit.send({ type: 'visitor.start', purpose: 'issue' });
    const choosing = model(visit);
    expect([choosing.screen, choosing.steps.current]).toEqual(['choosing', 1]);
    // The institution's own names come from its file; the ambiguous `·` is drawn as ASCII.
    expect(choosing.pick?.items).toEqual([
      {
        id: 'demo-bank/bank',
        label: '데모은행 - 은행/보험용',
        detail: '무료',
        enabled: true,
      },
      { id: 'demo-bank/general', label: '데모은행 - 범용', detail: '4,400원', enabled: true },
    ]);
    expect(model(visit, {}, 'en').pick?.items[1]?.detail).toBe('4,400 won');

    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '02-123-4567' });
    const form = model(visit, {
      typed: { name: '홍길동', idn: '900101-1' },
      secretLengths: { idn: 6 },
    });
    expect([form.screen, form.steps.current]).toEqual(['form', 2]);
    expect(form.fields?.items.map((f) => [f.id, f.value, f.problems.length > 0])).toEqual([
      ['name', '홍길동', false],
      ['idn', '900101-1******', false],
      ['phone', '', true],
    ]);

    visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
    expect(model(visit).screen).toBe('idChoice');
    visit.send({ type: 'visitor.chip' });
    visit.send({
      type: 'visitor.mrz',
      entry: { documentNumber: 'x', birthDate: '991399', expiryDate: '300101' },
    });
    const mrz = model(visit);
    expect([mrz.screen, mrz.steps.current]).toEqual(['mrz', 3]);
    expect(mrz.fields?.items.map((f) => f.problems.length)).toEqual([1, 1, 0]);

    visit.send({ type: 'visitor.mrz', entry: mrzOf(profile) });
    const reading = model(visit);
    expect(reading.screen).toBe('reading');
    expect(text(reading)).toContain(`판독기: ${reader}`);

    await until(visit, (s) => childState(s, 'identity') === 'approval');
    const teller = model(visit);
    expect([teller.screen, teller.steps.current]).toEqual(['teller', 3]);
    expect(teller.keys).not.toContain('Esc');
    visit.send({
      type: 'teller.approve',
      teller: 'kim',
      at: new Date().toISOString(),
      overrideReason: 'test chip without a CSCA; photo matches the visitor',
    });
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    const storage = model(visit, { cursor: 1 });
    expect([storage.screen, storage.steps.current]).toEqual(['storage', 4]);
    expect(storage.pick?.items.map((i) => i.id)).toEqual(['token:visitor', 'usb:/dev/sdz']);

    visit.send({ type: 'visitor.chooseDrive', device: '/dev/sdz', needsFormat: false });
    const checklist = visit.passwordChecklist(Buffer.from('abc1'));
    visit.enterNewSecret(Buffer.from(password), Buffer.from('different!1'));
    const pw = model(visit, { secretLengths: { password: 4 }, checklist });
    expect([pw.screen, pw.steps.current]).toEqual(['password', 5]);
    expect(pw.fields?.items.map((f) => [f.value, f.masked])).toEqual([
      ['****', true],
      ['', true],
    ]);
    expect(pw.fields?.items[1]?.problems).toEqual(['두 비밀번호가 다릅니다.']);
    expect(pw.checklist?.map((c) => c.ok)).toEqual([false, true, true, false, true]);
    // The rule that names the forbidden characters keeps its `₩` (narrow) and loses nothing else.
    expect(pw.checklist?.[4]?.label).toContain('₩');

    const seen: ScreenModel[] = [];
    const stop = visit.subscribe(() => seen.push(model(visit, { stage: 1 })));
    visit.enterNewSecret(Buffer.from(password), Buffer.from(password));
    await until(visit, (s) => s.matches({ flow: 'done' }));
    stop();
    const issuing = seen.find((m) => m.screen === 'issuing');
    expect(issuing?.steps.current).toBe(6);
    expect(issuing?.progress).toEqual({ done: 1, total: 4, label: '인증기관 요청' });

    const result = model(visit);
    expect([result.screen, result.steps.current]).toEqual(['result', 7]);
    expect(text(result)).toContain(visit.snapshot().context.issued?.serial ?? 'none');
    expect(text(result)).toContain('USB 메모리를 꼭 챙겨 가세요.');
    expect(text(model(visit, {}, 'en'))).toContain('Never tell anyone your password.');
    // Nothing the visitor typed in secret reaches a model.
    expect(JSON.stringify([form, pw, result])).not.toContain(password);
    expect(JSON.stringify([form, pw, result])).not.toContain(idn.slice(7));
    close();
  }, 60_000);
});
