/**
 * When the provider process may end. Terraform ends a provider with GRPCController.Shutdown, but a
 * Terraform killed with SIGKILL never does, so the provider also ends when its parent goes away. In
 * both cases calls in flight finish first: a create the remote API has already accepted must be
 * allowed to record what it did (and a killed Terraform cannot be told anyway).
 *
 * Stdin is deliberately not watched: go-plugin hands the plugin Terraform's own stdin, which is
 * /dev/null (closed at once) in CI and the user's terminal (where reading would steal the "yes" typed
 * at Terraform's prompt) otherwise.
 */

/** Counts calls in flight and ends (once) when asked to and nothing is left in flight. */
export class Lifetime {
  private inFlight = 0;
  private ending = false;
  private ended = false;

  constructor(
    /** Closes the server; called once. */
    private readonly onEnd: () => void,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs one call, counted as in flight until it settles. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      this.endIfIdle();
    }
  }

  /** Ends now if nothing is in flight, otherwise as soon as the last call settles. */
  end(reason: string): void {
    if (!this.ending) this.log(`ending (${reason})${this.inFlight > 0 ? `, after ${this.inFlight} call(s) in flight` : ""}`);
    this.ending = true;
    this.endIfIdle();
  }

  private endIfIdle(): void {
    if (!this.ending || this.ended || this.inFlight > 0) return;
    this.ended = true;
    this.onEnd();
  }
}

/**
 * Calls `onGone` once `parent` is no longer the parent process (this process was re-parented),
 * checking every `intervalMs`. The timer never keeps the process alive. Returns a function that
 * stops watching.
 */
export function watchParent(onGone: () => void, parent: number, intervalMs = 1000): () => void {
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
