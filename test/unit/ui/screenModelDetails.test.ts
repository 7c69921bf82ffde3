import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { FakeUsbDrives } from '../../../drivers/usbdrive/fake.js';
import { startKiosk, type KioskView } from '../../../src/kiosk/run/kiosk.js';
import { IssueProgress, stagesDone } from '../../../src/kiosk/screens/issueProgress.js';
import {
  driveNeedsFormat,
  filesystemText,
  sizeText,
} from '../../../src/kiosk/screens/mediaItems.js';
import { mrzFieldVerdict, mrzKeyOf } from '../../../src/kiosk/screens/mrzCheck.js';
import { screenModel, type ScreenLocal } from '../../../src/kiosk/screens/model.js';
import { watchDrives, type DriveDetails } from '../../../src/kiosk/watchers.js';
import { createLogger } from '../../../src/log/logger.js';
import { layout } from '../../../ui/blessed/layout.js';
import type { Lang, ScreenModel } from '../../../ui/contract.js';
import { textWidth } from '../../../ui/text/width.js';
import { createActor, fromPromise } from 'xstate';
import { kioskMachine } from '../../../machines/kiosk.js';
import { chooseMedium, kiosk, walkToStorage } from '../../support/kioskWorld.js';
import { answering, closeServer, setupOver, untilView } from '../../support/runningKiosk.js';
import { handMadeVisit, hostile, viewWith } from '../../support/screenVisits.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 15 item 2, the details the screens lacked: the MRZ entry's live verdicts with its check
// digits and key, the storage choice with what the watchers found of each medium (size, file
// system, the format warning), and the issuing screen's bar following the issuance journal.

/** The frame's inside at 80x24 (kioskScreen.ts: a border and a column of padding each side). */
const inside = { width: 76, height: 22 };

/** Every row as text, laid out at 80x24. */
const rows = (m: ScreenModel): string[] =>
  layout(m, inside.width, inside.height).map((r) => r.segments.map((s) => s.text).join(''));

/** Every string of a model the layout draws as it is (not a pick row, which it cuts to fit). */
function drawnStrings(m: ScreenModel): string[] {
  return [
    m.title,
    ...m.lines,
    ...(m.checklist?.map((c) => `  [v] ${c.label}`) ?? []),
    ...(m.fields?.items.flatMap((f) => [
      ...(f.hint === undefined ? [] : [`    ${f.hint}`]),
      ...f.problems.map((p) => `    ! ${p}`),
    ]) ?? []),
    m.error?.happened ?? '',
    m.error?.todo ?? '',
    m.keys,
  ];
}

const within76 = (m: ScreenModel) => {
  for (const s of drawnStrings(m)) expect(textWidth(s), s).toBeLessThanOrEqual(inside.width);
};

describe('the MRZ entry checked as typed', () => {
  // ICAO 9303-3 Appendix A (TD3 specimen): L898902C<3, 690806 1, 940623 6.
  const specimen = { documentNumber: 'L898902C', birthDate: '690806', expiryDate: '940623' };

  it('computes the 7-3-1 check digits of the ICAO specimen, and its MRZ key', () => {
    expect(mrzFieldVerdict('documentNumber', 'L898902C')).toEqual({ kind: 'ok', checkDigit: 3 });
    expect(mrzFieldVerdict('birthDate', '690806')).toEqual({ kind: 'ok', checkDigit: 1 });
    expect(mrzFieldVerdict('expiryDate', '940623')).toEqual({ kind: 'ok', checkDigit: 6 });
    expect(mrzKeyOf(specimen)).toBe('L898902C<3 6908061 9406236');
    // Typed in lower case: the driver sends it upper-cased, and the verdict is on what is sent.
    expect(mrzFieldVerdict('documentNumber', 'l898902c')).toEqual({ kind: 'ok', checkDigit: 3 });
    expect(mrzKeyOf({ ...specimen, documentNumber: 'l898902c' })).toBe(
      'L898902C<3 6908061 9406236',
    );
  });

  it.each([
    ['birthDate', '', { kind: 'empty' }],
    ['birthDate', '6908', { kind: 'length', length: 4, needed: 6 }],
    ['birthDate', '6908061', { kind: 'length', length: 7, needed: 6 }],
    ['birthDate', '69O806', { kind: 'characters' }],
    ['birthDate', '691306', { kind: 'notADate' }],
    ['expiryDate', '940431', { kind: 'notADate' }],
    ['expiryDate', '000229', { kind: 'ok', checkDigit: 9 }],
    ['documentNumber', 'L8989-02', { kind: 'characters' }],
    ['documentNumber', 'L898902C12', { kind: 'length', length: 10, needed: 9 }],
    ['documentNumber', 'M1234567', { kind: 'ok', checkDigit: 0 }],
  ] as const)('%s %j is %j', (id, typed, verdict) => {
    expect(mrzFieldVerdict(id, typed)).toEqual(verdict);
  });

  it('makes no key until every field is as the visit accepts it', () => {
    expect(mrzKeyOf({})).toBeUndefined();
    expect(mrzKeyOf({ ...specimen, birthDate: '690832' })).toBeUndefined();
    expect(mrzKeyOf({ ...specimen, expiryDate: '94062' })).toBeUndefined();
    expect(mrzKeyOf({ ...specimen, documentNumber: 'L898902C<' })).toBeUndefined();
  });

  const mrzVisit = (mrzProblems: string[] = []) =>
    handMadeVisit({
      flow: 'identity',
      children: { identity: { value: { chip: 'mrz' }, context: { mrzProblems } } },
    });
  const mrzModel = (typed: Record<string, string>, lang: Lang, mrzProblems?: string[]) =>
    screenModel(viewWith(mrzVisit(mrzProblems)), lang, { typed, focus: 1 });

  it('shows a verdict per field and the key, in Korean and English', () => {
    const partly = mrzModel({ documentNumber: 'L898902C', birthDate: '6908' }, 'ko');
    expect(partly.screen).toBe('mrz');
    expect(partly.lines).toEqual(['검증 숫자가 신분증 하단의 각 칸 뒤 숫자와 같은지 보세요.']);
    expect(partly.checklist).toEqual([
      { label: '여권 번호: 형식 맞음, 검증 숫자 3', ok: true },
      { label: '생년월일: 4자 입력, 6자리여야 합니다', ok: false },
      { label: '만료일: 입력 전', ok: false },
      { label: 'MRZ 키: 세 칸이 모두 맞아야 만들어집니다', ok: false },
    ]);
    // The empty field keeps its example; a typed one does not need it.
    expect(partly.fields?.items.map((f) => f.hint)).toEqual([
      '예: M12345678',
      '예: 1990년 8월 6일은 900806',
      '예: 1990년 8월 6일은 900806',
    ]);
    expect(rows(partly)).toContain('    예: 1990년 8월 6일은 900806');
    within76(partly);

    const whole = mrzModel(specimen, 'en');
    expect(whole.checklist).toEqual([
      { label: 'Document number: format ok, check digit 3', ok: true },
      { label: 'Birth date: format ok, check digit 1', ok: true },
      { label: 'Expiry date: format ok, check digit 6', ok: true },
      { label: 'MRZ key: L898902C<3 6908061 9406236', ok: true },
    ]);
    expect(rows(whole)).toContain('  [v] MRZ key: L898902C<3 6908061 9406236');
    within76(whole);

    const wrong = mrzModel(
      { documentNumber: 'L898-', birthDate: '691306', expiryDate: '9406230' },
      'en',
    );
    expect(wrong.checklist?.map((c) => c.label)).toEqual([
      'Document number: letters and digits only',
      'Birth date: not a real date',
      'Expiry date: 7 typed, 6 digits needed',
      'MRZ key: made once all three fields are right',
    ]);
    expect(wrong.checklist?.every((c) => !c.ok)).toBe(true);
    within76(wrong);
    expect(mrzModel({ documentNumber: 'L898902C1234' }, 'ko').checklist?.[0]?.label).toBe(
      '여권 번호: 12자 입력, 9자까지입니다',
    );
  });

  it("keeps the visit's refusal under its field, and the chip's verdict in the error box", () => {
    const refused = mrzModel({ ...specimen, birthDate: '691306' }, 'ko', ['birthDate']);
    expect(refused.fields?.items.map((f) => f.problems)).toEqual([
      [],
      ['형식이 맞지 않습니다.'],
      [],
    ]);
    const opened = screenModel(
      viewWith(
        handMadeVisit({
          flow: 'identity',
          children: {
            identity: {
              value: { chip: 'mrz' },
              context: { mrzProblems: [], failure: { kind: 'wrongMrz', detail: '' } },
            },
          },
        }),
      ),
      'ko',
      { typed: specimen },
    );
    // The key was well formed and still did not open the chip: a digit typed wrong somewhere.
    expect(opened.error?.happened).toBe('입력한 정보가 신분증과 맞지 않습니다.');
    expect(opened.checklist?.[3]).toEqual({
      label: 'MRZ 키: L898902C<3 6908061 9406236',
      ok: true,
    });
    within76(opened);
    expect(rows(opened).length).toBe(inside.height);
    expect(rows(opened)).toContain('  [v] MRZ 키: L898902C<3 6908061 9406236');
  });
});

describe('the storage choice with what the watchers found', () => {
  const storageVisit = (value: unknown = 'choosing', context: object = {}) =>
    handMadeVisit({ flow: 'storage', children: { storage: { value, context } } });
  const fat: DriveDetails = {
    sizeBytes: 15_518_924_800,
    filesystem: 'fat32',
    needsFormat: false,
    vendor: 'SanDisk',
    product: 'Cruzer Blade',
  };
  const ntfs: DriveDetails = {
    sizeBytes: 64_000_000,
    filesystem: 'ntfs',
    needsFormat: true,
    vendor: 'Fake',
    product: 'Stick',
  };
  const detailed = (more: Partial<KioskView> = {}): KioskView =>
    viewWith(storageVisit(), {
      drives: ['/dev/sdy', '/dev/sdz'],
      driveDetails: { '/dev/sdy': fat, '/dev/sdz': ntfs },
      tokenDetails: { visitor: { manufacturer: 'SoftHSM project', model: 'SoftHSM v2' } },
      ...more,
    });

  it('names each drive by its make with size and file system, and warns where it must be formatted', () => {
    const ko = screenModel(detailed(), 'ko');
    expect(ko.pick?.items).toEqual([
      {
        id: 'token:visitor',
        label: '보안토큰 visitor',
        detail: 'SoftHSM v2, 토큰 안에서 키 생성',
        enabled: true,
      },
      {
        id: 'usb:/dev/sdy',
        label: 'USB 메모리 SanDisk Cruzer Blade',
        detail: '15.5 GB FAT32, 암호화 파일로 저장',
        enabled: true,
      },
      {
        id: 'usb:/dev/sdz',
        label: 'USB 메모리 Fake Stick',
        detail: '포맷 필요 (모두 지워짐), 64.0 MB',
        enabled: true,
      },
    ]);
    const en = screenModel(detailed(), 'en');
    expect(en.pick?.items.map((i) => i.detail)).toEqual([
      'SoftHSM v2, key made in the token',
      '15.5 GB FAT32, encrypted file',
      'format needed: erases all, 64.0 MB',
    ]);
    // At 80x24 the warning is drawn whole on the drive's row.
    expect(
      rows(ko).some(
        (r) =>
          r.includes('USB 메모리 Fake Stick') && r.includes('포맷 필요 (모두 지워짐), 64.0 MB'),
      ),
    ).toBe(true);
    expect(rows(en).some((r) => r.endsWith('format needed: erases all, 64.0 MB'))).toBe(true);
    expect(driveNeedsFormat(detailed(), '/dev/sdz')).toBe(true);
    expect(driveNeedsFormat(detailed(), '/dev/sdy')).toBe(false);
  });

  it('tells two drives of one make apart, and shows a view without details as before', () => {
    const twins = screenModel(
      detailed({ driveDetails: { '/dev/sdy': fat, '/dev/sdz': { ...fat, sizeBytes: 999 } } }),
      'en',
    );
    expect(twins.pick?.items.slice(1).map((i) => [i.label, i.detail])).toEqual([
      ['USB drive SanDisk Cruzer Blade /dev/sdy', '15.5 GB FAT32, encrypted file'],
      ['USB drive SanDisk Cruzer Blade /dev/sdz', '999 B FAT32, encrypted file'],
    ]);
    const bare = screenModel(viewWith(storageVisit()), 'ko');
    expect(bare.pick?.items.map((i) => [i.label, i.detail])).toEqual([
      ['보안토큰 visitor', '키가 토큰 안에서 만들어집니다'],
      ['USB 메모리 /dev/sdz', '암호화된 파일로 저장됩니다'],
    ]);
  });

  it('reads details as outside text: own entries only, every name through screenSafe', () => {
    const view = viewWith(storageVisit(), {
      drives: ['constructor', '/dev/sdx'],
      tokens: ['toString'],
      driveDetails: { '/dev/sdx': { ...fat, product: hostile, label: 'KIOSK' } },
      tokenDetails: {},
    });
    const m = screenModel(view, 'en');
    expect(m.pick?.items.map((i) => i.detail)).toEqual([
      'the key is made inside the token',
      'kept as an encrypted file',
      '15.5 GB FAT32, encrypted file',
    ]);
    const label = m.pick?.items[2]?.label ?? '';
    for (const glyph of ['\u001b', '\u202e', '\u00b7', '\u203b', '\u2460'])
      expect(label).not.toContain(glyph);
    expect(label).toContain('HONG');
    expect(driveNeedsFormat(view, 'constructor')).toBe(false);
  });

  it('says which drive a format erases, and does not warn of formatting where a certificate is read', () => {
    const confirm = screenModel(
      detailed({
        visit: storageVisit('confirmFormat', { medium: { kind: 'usb', device: '/dev/sdz' } }),
      }),
      'ko',
    );
    expect(confirm.screen).toBe('confirmFormat');
    expect(confirm.lines).toEqual(['대상: Fake Stick (64.0 MB NTFS)']);
    expect(confirm.error?.happened).toBe('포맷하면 이 USB 메모리의 모든 내용이 지워집니다.');
    within76(confirm);
    const held = screenModel(
      detailed({
        visit: handMadeVisit({
          flow: 'holding',
          context: { purpose: 'view' },
          children: { held: { value: 'choosing', context: {} } },
        }),
      }),
      'en',
    );
    expect(held.pick?.items[2]?.detail).toBe('64.0 MB NTFS, encrypted file');
  });

  it('writes sizes and file systems as people read them', () => {
    expect([0, 999, 1000, 64_000_000, 15_518_924_800, 256_060_514_304, 2e12].map(sizeText)).toEqual(
      ['0 B', '999 B', '1.0 KB', '64.0 MB', '15.5 GB', '256 GB', '2.0 TB'],
    );
    expect(
      ['fat16', 'none', 'exfat', 'a GPT partition table'].map((f) => filesystemText(f, 'ko')),
    ).toEqual(['FAT16', '비어 있음', 'EXFAT', 'a GPT partition table']);
  });

  it('the drive watcher reports size, file system and whether a drive needs formatting', async () => {
    const drives = new FakeUsbDrives();
    drives.plug({ device: '/dev/sdx', sizeBytes: 8_000_000_000, label: 'KIOSK' });
    drives.plug({ device: '/dev/sdw', filesystem: 'ntfs' });
    drives.plug({ device: '/dev/sdv', filesystem: 'none', problems: ['notRemovable'] });
    const heard: ReadonlyMap<string, DriveDetails>[] = [];
    const log = createLogger({ level: 'silent', destination: null });
    const actor = createActor(
      kioskMachine.provide({
        actors: {
          watchDrives: watchDrives(drives, log, (details) => heard.push(details)),
          checkCa: fromPromise(() => Promise.resolve(undefined)),
        },
      }),
    ).start();
    await vi.waitFor(() => {
      expect(actor.getSnapshot().context.drives).toEqual(['/dev/sdx', '/dev/sdw']);
    });
    const last = heard.at(-1);
    expect(Object.fromEntries(last ?? [])).toEqual({
      '/dev/sdx': {
        sizeBytes: 8_000_000_000,
        filesystem: 'fat32',
        needsFormat: false,
        vendor: 'Fake',
        product: 'Fake USB drive',
        label: 'KIOSK',
      },
      '/dev/sdw': {
        sizeBytes: 64 * 1024 * 1024,
        filesystem: 'ntfs',
        needsFormat: true,
        vendor: 'Fake',
        product: 'Fake USB drive',
      },
    });
    actor.stop();
  });
});

describe('the issuing screen follows the issuance journal', () => {
  it('maps each fact to the stages done: key, CA, write, read back', () => {
    expect(
      [undefined, 'keyMade', 'requestSent', 'received', 'stored', 'confirmed'].map((s) =>
        stagesDone(s as Parameters<typeof stagesDone>[0]),
      ),
    ).toEqual([0, 1, 1, 2, 4, 4]);
    const issuing = (step?: KioskView['issueStep'], local: ScreenLocal = {}, lang: Lang = 'ko') =>
      screenModel(
        viewWith(handMadeVisit({ flow: 'issuing' }), step === undefined ? {} : { issueStep: step }),
        lang,
        local,
      );
    expect(issuing().progress).toEqual({ done: 0, total: 4, label: '키 생성' });
    expect(issuing('requestSent').lines).toEqual([
      '[v] 키 생성',
      '[>] 인증기관 요청',
      '[ ] 매체에 저장',
      '[ ] 저장 확인',
    ]);
    expect(issuing('received').progress).toEqual({ done: 2, total: 4, label: '매체에 저장' });
    expect(issuing('stored', {}, 'en').progress).toEqual({
      done: 4,
      total: 4,
      label: 'telling the CA',
    });
    // What the driver was told still counts where the kiosk heard nothing.
    expect(issuing(undefined, { stage: 3 }).progress?.done).toBe(3);
    const bar = rows(issuing('received'));
    expect(bar).toContain('[####################--------------------] 2/4 매체에 저장');
  });

  it('hears facts per visit and starts again when the visit leaves issuing', () => {
    const progress = new IssueProgress();
    const changes = vi.fn();
    const stop = progress.onChange(changes);
    progress.hear({ visit: 'a', kind: 'state', name: 'flow.issuing' });
    progress.hear({ visit: 'a', kind: 'fact', name: 'keyMade' });
    progress.hear({ visit: 'b', kind: 'fact', name: 'received' });
    // The attention changing while it issues is a state record of the same name.
    progress.hear({ visit: 'a', kind: 'state', name: 'flow.issuing' });
    progress.hear({ visit: 'a', kind: 'fact', name: 'requestSent' });
    progress.hear({ visit: 'a', kind: 'fact', name: 'notAStep' });
    expect([progress.of('a'), progress.of('b')]).toEqual(['requestSent', 'received']);
    expect(changes).toHaveBeenCalledTimes(3);
    progress.hear({ visit: 'a', kind: 'state', name: 'flow.effectFailed' });
    expect(progress.of('a')).toBeUndefined();
    progress.forget('b');
    expect(progress.of('b')).toBeUndefined();
    stop();
    progress.hear({ visit: 'a', kind: 'fact', name: 'keyMade' });
    expect(changes).toHaveBeenCalledTimes(3);
  });
});

describe('a running kiosk gives the screens its details', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map(closeServer));
  });

  it('drive and token details, and an issuance bar that moves with the journal', async () => {
    const server = await answering();
    servers.push(server);
    const { world, profile, close } = await kiosk('usb');
    const running = await startKiosk(world.ctx, {
      setup: setupOver(world, server),
      visits: { file: join(tempDir('visits-'), 'visits.sqlite') },
    });
    try {
      world.fakeDrives.plug({ device: '/dev/sdy', filesystem: 'none', sizeBytes: 2_000_000_000 });
      const seen = await untilView(
        running,
        (v) => v.state === 'ready' && v.drives.length === 2 && v.tokens.includes('visitor'),
      );
      expect(seen.driveDetails?.['/dev/sdy']).toMatchObject({
        filesystem: 'none',
        needsFormat: true,
      });
      expect(seen.driveDetails?.['/dev/sdz']).toMatchObject({
        filesystem: 'fat32',
        needsFormat: false,
      });
      expect(seen.tokenDetails).toEqual({
        visitor: { manufacturer: 'Fake Tokens', model: 'FakeToken' },
      });
      expect(seen.issueStep).toBeUndefined();

      running.send({ type: 'kiosk.visitor' });
      const visit = running.visit();
      if (visit === undefined) throw new Error('no visit');
      const steps: (KioskView['issueStep'] | 'none')[] = [];
      const bars: number[] = [];
      running.subscribe((view) => {
        if (view.visit?.matches({ flow: 'issuing' }) !== true) return;
        const step = view.issueStep ?? 'none';
        if (steps.at(-1) !== step) steps.push(step);
        const done = screenModel(view, 'ko').progress?.done ?? -1;
        if (bars.at(-1) !== done) bars.push(done);
      });
      const storage = screenModel(
        await (async () => {
          await walkToStorage(visit, profile);
          return running.snapshot();
        })(),
        'ko',
      );
      expect(storage.pick?.items.map((i) => i.detail)).toEqual([
        'FakeToken, 토큰 안에서 키 생성',
        '67.1 MB FAT32, 암호화 파일로 저장',
        '포맷 필요 (모두 지워짐), 2.0 GB',
      ]);
      chooseMedium(visit, 'usb');
      const done = await untilView(running, (v) => v.visit?.matches({ flow: 'done' }) === true);
      expect(steps).toEqual(['none', 'keyMade', 'requestSent', 'received', 'stored', 'confirmed']);
      expect(bars).toEqual([0, 1, 2, 4]);
      // Done: the bar's facts are not carried past the issuance.
      expect(done.issueStep).toBeUndefined();
      visit.send({ type: 'visitor.finish' });
      await visit.ended;
    } finally {
      await running.close();
      close();
    }
  }, 60_000);
});
