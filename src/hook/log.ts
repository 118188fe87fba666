/** Progress lines of one hook run, prefixed with the construct's address so Terraform's interleaved output stays readable. */
export interface HookLog {
  info(message: string): void;
  warn(message: string): void;
}

export function createLog(address: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): HookLog {
  return {
    info: (message) => void out.write(`${address}: ${message}\n`),
    warn: (message) => void err.write(`${address}: warning: ${message}\n`),
  };
}
