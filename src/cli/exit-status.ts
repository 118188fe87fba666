/**
 * The exit codes every `cdktf-api-keys` command uses, and the lines each usage text ends with to
 * document them. Usage texts are lowercase throughout, like git's: `usage:`, `options:`, `exit status:`.
 */

/** Done what was asked. */
export const EXIT_OK = 0;
/** Failed at run time: a missing store or file, a wrong identity, a port in use... */
export const EXIT_FAILED = 1;
/** A command-line mistake: unknown flag or command, missing or bad value. */
export const EXIT_USAGE = 2;

/**
 * The `exit status:` block of a usage text.
 * @param ok what exit 0 means for this command
 * @param failed examples of the run-time failures that exit 1
 */
export function exitStatusText(ok: string, failed: string): string {
  return `exit status:
  0  ${ok}
  1  run-time failure (${failed})
  2  usage error (unknown flag or command, missing or bad value)
`;
}
