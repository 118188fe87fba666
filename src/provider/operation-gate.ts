/**
 * Tracks the remote operations in flight so StopProvider (Ctrl-C, a CI cancel) can let them finish
 * and store their results, while refusing to start new ones.
 */
export class OperationGate {
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;

  /** Runs `operation` unless a stop was requested; `what` names it in the refusal. */
  public run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (this.stopping) {
      return Promise.reject(new Error(`Terraform is stopping (interrupted or cancelled): ${what} was not started. Nothing was changed; apply again to finish.`));
    }
    const running = operation();
    this.inFlight.add(running);
    const forget = () => this.inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Refuses new operations and resolves once those in flight have ended. */
  public async stop(): Promise<void> {
    this.stopping = true;
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
