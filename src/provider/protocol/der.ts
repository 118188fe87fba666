/**
 * A minimal ASN.1 DER encoder: just the types an X.509 v3 certificate needs (see tls.ts). Each
 * function returns the complete encoding (tag, length, contents) of one value.
 */

/** Tag, definite length (short or long form), contents. */
export function tlv(tag: number, contents: Uint8Array): Buffer {
  const length = contents.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), contents]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: Uint8Array[]): Buffer => tlv(0x31, Buffer.concat(items));
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
export const octetString = (contents: Uint8Array): Buffer => tlv(0x04, contents);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));

/** A BIT STRING whose contents are whole bytes (keys, signatures). */
export const bitString = (contents: Uint8Array, unusedBits = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), contents]));

/** `[n] EXPLICIT`: a constructed context-specific tag around a complete encoding. */
export const explicit = (n: number, inner: Uint8Array): Buffer => tlv(0xa0 | n, inner);

/** `[n] IMPLICIT` of a primitive type: the context-specific tag replaces the type's own. */
export const implicitPrimitive = (n: number, contents: Uint8Array): Buffer => tlv(0x80 | n, contents);

/** A non-negative INTEGER from its big-endian magnitude (minimal, with a 0x00 pad when the top bit is set). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = Buffer.from(magnitude.subarray(start));
  return tlv(0x02, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** A small non-negative INTEGER. */
export const smallInteger = (value: number): Buffer => unsignedInteger(Buffer.from([value]));

/** An OBJECT IDENTIFIER from its dotted form, e.g. "2.5.29.17". */
export function objectIdentifier(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes: number[] = [40 * first + second];
  for (const arc of rest) {
    const groups: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f));
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** X.509 Time: UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), to the second. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z"; // YYYYMMDDHHMMSSZ
  const year = date.getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), "ascii")) : tlv(0x18, Buffer.from(digits, "ascii"));
}
