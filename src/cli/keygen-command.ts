import * as fs from "fs";
import * as path from "path";
import { generateIdentityFiles } from "../stores/age-identity";

/**
 * `cdktf-api-keys keygen [--identity .keys/identity.txt] [--recipient .keys/recipient.txt] [--force]`:
 * creates the age identity (private, 0600) that reads secrets and the recipient (public) that the
 * stack encrypts to. Refuses to overwrite an existing identity unless `--force` is given: secrets
 * encrypted to it would become unreadable.
 */
export async function keygenCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let identity = ".keys/identity.txt";
  let recipient = ".keys/recipient.txt";
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--force") force = true;
    else if ((flag === "--identity" || flag === "--recipient") && argv[i + 1]) {
      if (flag === "--identity") identity = argv[++i];
      else recipient = argv[++i];
    } else {
      err.write(`keygen: unknown or incomplete option ${JSON.stringify(flag)}\nusage: cdktf-api-keys keygen [--identity FILE] [--recipient FILE] [--force]\n`);
      return 2;
    }
  }
  if (fs.existsSync(identity) && !force) {
    err.write(`keygen: ${identity} already exists; secrets encrypted to it would become unreadable if it were replaced. Pass --force to replace it.\n`);
    return 1;
  }
  const publicKey = await generateIdentityFiles(path.resolve(identity), path.resolve(recipient), { overwrite: force });
  out.write(`wrote identity ${identity} (keep it secret, out of version control)\nwrote recipient ${recipient}: ${publicKey}\n`);
  return 0;
}
