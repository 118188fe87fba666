import * as util from "util";
import type { ApiError } from "../../src/clients/errors";

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection<E extends Error = ApiError>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (e) {
    return e as E;
  }
  throw new Error("expected the call to reject");
}

/** Every way a thrown error could be printed or logged: none of them may hold a token or key. */
export function renderings(err: Error): string[] {
  return [err.message, err.stack ?? "", JSON.stringify(err), util.inspect(err, { depth: 10, showHidden: true }), String(err)];
}
