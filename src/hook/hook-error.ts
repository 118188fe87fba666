/** A failure the hook explains fully in its message: printed as is, without a stack trace. */
export class HookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HookError";
  }
}
