/**
 * How a foreground command (the emulator) learns it should stop: SIGINT (Ctrl-C), SIGTERM, or an
 * AbortSignal for tests and embedding. Listen before announcing anything, so a script that signals as
 * soon as it has read the first line never meets the default handler, which ends the process uncleanly.
 */

/** A stop asked for by SIGINT, SIGTERM or `signal`'s abort, whichever comes first. */
export interface StopRequest {
  readonly requested: Promise<void>;
  /** Removes the listeners (also done when a stop comes). */
  dispose(): void;
}

export function stopRequest(signal: AbortSignal | undefined): StopRequest {
  let dispose = (): void => undefined;
  const requested = new Promise<void>((resolve) => {
    const stop = (): void => {
      dispose();
      resolve();
    };
    dispose = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      signal?.removeEventListener("abort", stop);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop);
  });
  return { requested, dispose: () => dispose() };
}
