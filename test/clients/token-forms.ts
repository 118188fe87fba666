/**
 * The forms an API may echo a secret in (the JSON escapes of several encoders, URL encodings,
 * base64, snake case), and a check that no fragment of a secret in any of them is left in a text.
 */

/** Every character but letters and digits as `\u00xx` (`upper`: `\u00XX`, as .NET writes them). */
export function unicodeEscaped(text: string, upper: boolean): string {
  return text.replace(/[^A-Za-z0-9]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, "0");
    return `\\u${upper ? hex.toUpperCase() : hex}`;
  });
}

/** As PHP's json_encode writes a string's content: also `\/` for a slash, `\u00xx` for non-ASCII. */
export function phpEscaped(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/\//g, "\\/")
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** Every encoding of `token` a response might carry; each 8-character window of each is a leak. */
function encodings(token: string): string[] {
  const forms = [
    token,
    JSON.stringify(token).slice(1, -1),
    phpEscaped(token),
    unicodeEscaped(token, false),
    JSON.stringify(JSON.stringify(token)).slice(1, -1),
    encodeURIComponent(token),
    new URLSearchParams({ t: token }).toString().slice(2),
    // in snake case, as Factory's error code is made from its title
    token.toLowerCase().replace(/[^a-z0-9]+/g, "_"),
  ];
  // base64 of the token behind a prefix of 0, 1 or 2 bytes: the characters that depend on the
  // token alone (those mixed with what comes before or after dropped, with a margin).
  for (const pad of ["", "u", "us"]) {
    const core = base64(pad + token).slice(Math.ceil((pad.length * 4) / 3) + 1, -4);
    forms.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return forms;
}

/** The first 8-character window of an encoding of `token` found in `text`, ignoring case; undefined when none is. */
export function leakedFragment(text: string, token: string): string | undefined {
  const haystack = text.toLowerCase();
  for (const form of encodings(token)) {
    for (let i = 0; i + 8 <= form.length; i++) {
      const window = form.slice(i, i + 8).toLowerCase();
      if (haystack.includes(window)) return window;
    }
  }
  return undefined;
}
