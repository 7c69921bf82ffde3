import type { ConsoleDecision, VisitScreen } from './port.js';
import { SecretInput } from './secretInput.js';
import type { Notice, Prompt } from './views.js';
import { idTypes, text } from './words.js';

/**
 * The keys of one visit's view (issue 15 item 3): A approve (a chip that did not verify needs a
 * reason, then a second confirmation: the override), R reject with a reason, I the in-person
 * check for a visitor without a chip (ID type, number, "the photo matches"), F the fee taken,
 * G reload, Esc back to the queue (or out of a prompt). The ID number is typed into a
 * SecretInput; only its first eight characters (a birth date's worth) are drawn, `*` after.
 */

export interface VisitActions {
  /** Shows `prompt` (none: the visit's keys), with a notice. */
  ask(prompt: Prompt | undefined, notice?: Notice): void;
  notify(notice: Notice): void;
  decide(decision: ConsoleDecision): void;
  reload(): void;
  back(): void;
}

const problem = (words: Notice['words']): Notice => ({ words, tone: 'problem' });
const cancelled: Notice = { words: text.cancelled, tone: 'info' };
const chars = (value: string): string[] => Array.from(value);

export class VisitKeys {
  readonly #number = new SecretInput(64);
  #prefix = '';

  /** Handles `name` (blessed's key name; `typed`: the printable text of the key, if any). */
  key(
    visit: VisitScreen,
    prompt: Prompt | undefined,
    name: string,
    typed: string | undefined,
    act: VisitActions,
  ): void {
    if (prompt === undefined) {
      this.#visitKey(visit, name, act);
      return;
    }
    if (name === 'escape') {
      this.wipe();
      act.ask(undefined, cancelled);
      return;
    }
    switch (prompt.kind) {
      case 'reason':
        if (name === 'enter') {
          const reason = prompt.text.trim();
          if (reason === '') return;
          if (prompt.for === 'reject') act.decide({ kind: 'reject', reason });
          else act.ask({ kind: 'confirmOverride', reason });
        } else if (name === 'backspace')
          act.ask({ ...prompt, text: chars(prompt.text).slice(0, -1).join('') });
        else if (typed !== undefined && prompt.text.length < 500)
          act.ask({ ...prompt, text: prompt.text + typed });
        return;
      case 'confirmOverride':
        if (name === 'y') act.decide({ kind: 'override', reason: prompt.reason });
        else if (name === 'n') act.ask(undefined, cancelled);
        return;
      case 'idType': {
        const chosen = idTypes[Number(typed) - 1];
        if (chosen === undefined) return;
        this.wipe();
        act.ask({ kind: 'idNumber', type: chosen.id, shown: '' });
        return;
      }
      case 'idNumber':
        if (name === 'enter') {
          if (this.#number.characters > 0)
            act.ask({ kind: 'photoMatches', type: prompt.type, shown: this.#shown() });
          return;
        }
        if (name === 'backspace') {
          this.#number.pop();
          this.#prefix = chars(this.#prefix).slice(0, this.#number.characters).join('');
        } else if (typed !== undefined && this.#number.push(typed) && this.#number.characters <= 8)
          this.#prefix += typed;
        act.ask({ ...prompt, shown: this.#shown() });
        return;
      case 'photoMatches':
        if (name === 'y') {
          const number = this.#number.take();
          this.#prefix = '';
          act.decide({ kind: 'inPerson', type: prompt.type, number });
        } else if (name === 'n') {
          this.wipe();
          act.ask(undefined, problem(text.cancelled));
        }
        return;
      case 'confirmFee':
        if (name === 'y') act.decide({ kind: 'feePaid' });
        else if (name === 'n') act.ask(undefined, cancelled);
        return;
    }
  }

  wipe(): void {
    this.#number.wipe();
    this.#prefix = '';
  }

  #visitKey(visit: VisitScreen, name: string, act: VisitActions): void {
    switch (name) {
      case 'escape':
        act.back();
        return;
      case 'g':
        act.reload();
        return;
      case 'a':
        if (visit.waitingFor !== 'approval') act.notify(problem(text.visitGone));
        else if (visit.basis === 'noChip') act.notify(problem(text.useInPerson));
        else if (visit.basis === 'chipNotVerified')
          act.ask({ kind: 'reason', for: 'override', text: '' });
        else act.decide({ kind: 'approve' });
        return;
      case 'r':
        act.ask({ kind: 'reason', for: 'reject', text: '' });
        return;
      case 'i':
        if (visit.basis === 'noChip') act.ask({ kind: 'idType' });
        else act.notify(problem(text.noInPerson));
        return;
      case 'f':
        if (visit.waitingFor === 'fee') act.ask({ kind: 'confirmFee' });
        else act.notify(problem(text.notFee));
        return;
    }
  }

  /** The number as drawn: its first eight characters, then `*`s. */
  #shown(): string {
    return (
      this.#prefix + '*'.repeat(Math.max(0, this.#number.characters - chars(this.#prefix).length))
    );
  }
}
