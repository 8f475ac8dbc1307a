/**
 * The worker loop's sleep: until woken (a slot frees, an outcome is stored, the store says work
 * arrived, `stop()`) or, when given, until the poll interval passes. A wake-up that comes while the
 * loop is busy is remembered, so the next sleep returns at once and no wake-up is lost.
 */
export class Wake {
  #sleeper: (() => void) | undefined;
  #pending = false;

  /** Ends the current sleep, or the next one if the loop is not sleeping. */
  wake(): void {
    if (this.#sleeper) this.#sleeper();
    else this.#pending = true;
  }

  /** Sleeps until {@link wake} or `ms` milliseconds (`Infinity`: only until woken). */
  sleep(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.#sleeper = undefined;
        resolve();
      };
      if (ms !== Infinity) timer = setTimeout(done, ms);
      this.#sleeper = done;
    });
  }
}
