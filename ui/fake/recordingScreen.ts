import type { Screen, ScreenModel, UiEvent } from '../contract.js';

/**
 * A Screen for tests (issue 15 item 1; STYLE #2, fakes are real code): it keeps every model it
 * was given, in order, and lets the test send the events a visitor's keys would.
 */
export class RecordingScreen implements Screen {
  readonly #models: ScreenModel[] = [];
  readonly #listeners = new Set<(event: UiEvent) => void>();
  #closed = false;

  render(model: ScreenModel): void {
    if (this.#closed) throw new Error('render after close');
    this.#models.push(model);
  }

  onEvent(listener: (event: UiEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
  }

  /** Every model rendered, oldest first. */
  get models(): readonly ScreenModel[] {
    return this.#models;
  }

  /** The model drawn last. */
  get last(): ScreenModel | undefined {
    return this.#models.at(-1);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends `event` as the visitor's key would; refused once closed, as a real screen is silent. */
  emit(event: UiEvent): void {
    if (this.#closed) throw new Error('the screen is closed');
    for (const listener of this.#listeners) listener(event);
  }
}
