import { SecretInput } from './secretInput.js';
import type { ConsoleView } from './views.js';

type LoginView = Extract<ConsoleView, { view: 'login' }>;

/**
 * The keys of the login view (issue 15 item 3): the name typed as text, the password into a
 * SecretInput (bytes in a Buffer, drawn as `*`s), Tab or the arrows between the two, Enter to
 * go on, F2 for the other language (letters are typed here, so L cannot be the key).
 */
export class LoginKeys {
  readonly #password = new SecretInput(256);

  /** Handles `name` (blessed's key name; `typed`: the key's printable text, if any). */
  key(
    view: LoginView,
    name: string,
    typed: string | undefined,
    act: {
      show(view: LoginView): void;
      toggleLang(): void;
      /** The password typed, for the caller to send and zero. */
      login(view: LoginView, password: Buffer): void;
    },
  ): void {
    if (name === 'f2') act.toggleLang();
    else if (name === 'tab' || name === 'down' || name === 'up')
      act.show({ ...view, focus: view.focus === 'name' ? 'password' : 'name' });
    else if (name === 'enter') {
      if (view.focus === 'name') act.show({ ...view, focus: 'password' });
      else if (view.name.trim() !== '' && this.#password.characters > 0)
        act.login({ ...view, passwordLength: 0 }, this.#password.take());
    } else if (view.focus === 'name') {
      if (name === 'backspace')
        act.show({ ...view, name: Array.from(view.name).slice(0, -1).join('') });
      else if (typed !== undefined && view.name.length < 64)
        act.show({ ...view, name: view.name + typed });
    } else {
      if (name === 'backspace') this.#password.pop();
      else if (typed !== undefined) this.#password.push(typed);
      act.show({ ...view, passwordLength: this.#password.characters });
    }
  }

  wipe(): void {
    this.#password.wipe();
  }
}
