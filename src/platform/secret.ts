import { inspect } from 'node:util';

/**
 * A string that must never reach a log or a response. Serialises as `[redacted]`
 * (JSON, `util.inspect`, template strings); `reveal()` is the only way to read it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The secret value; call only where it is used (a driver, a hash). */
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
