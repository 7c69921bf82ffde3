import { describe, expect, it } from 'vitest';
import { createActor, transition } from 'xstate';
import { visitMachine } from '../../../machines/visit.js';
import { UsageError } from '../../../src/errors/index.js';
import { childState, kiosk, password, until, walkToStorage } from '../../support/kioskWorld.js';

// The live rule checklist at the password step (DESIGN §4.5, issue 13): what the screen ticks as
// the visitor types, computed by the service from the field's bytes, which it neither keeps nor
// zeroes (they are the field's); a key typed is the visitor being there.

describe('the password checklist', () => {
  it('ticks each rule as typed, only at the password step', async () => {
    const { service, profile, close } = await kiosk('usb');
    const visit = service.startVisit();
    expect(() => visit.passwordChecklist(Buffer.from('x'))).toThrow(UsageError);
    await walkToStorage(visit, profile);
    visit.send({ type: 'visitor.chooseDrive', device: '/dev/sdz', needsFormat: false });
    await until(visit, (s) => childState(s, 'storage') === 'password');
    const typed = Buffer.from('abc1');
    const rules = visit.passwordChecklist(typed);
    expect(Object.fromEntries(rules.map((r) => [r.id, r.ok]))).toEqual({
      minLength: false,
      hasLetter: true,
      hasDigit: true,
      hasSpecial: false,
      noForbiddenChars: true,
    });
    expect(rules.every((r) => r.ko !== '' && r.en !== '')).toBe(true);
    expect(typed.toString()).toBe('abc1');
    expect(visit.passwordChecklist(Buffer.from(password)).every((r) => r.ok)).toBe(true);
    // Nothing typed reaches the snapshot.
    expect(JSON.stringify(visit.snapshot().context)).not.toContain(password);
    close();
  }, 60_000);

  it('a key typed during the inactivity warning continues the visit', () => {
    const warned = visitMachine.resolveState({
      value: { flow: 'form', attention: 'warning' },
      // The visit's initial context: only the attention region matters here.
      context: createActor(visitMachine, {
        input: { institutions: [], media: ['usb'] },
      }).getSnapshot().context,
    });
    const [next] = transition(visitMachine, warned, { type: 'visitor.active' });
    expect(next.value).toEqual({ flow: 'form', attention: 'watching' });
  });
});
