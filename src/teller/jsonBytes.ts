/**
 * `bytes` (UTF-8) as a JSON string literal, quotes included, built byte by byte so that a secret
 * (a teller's password, an ID number) never becomes a JavaScript string on the client's side.
 * Escapes what RFC 8259 §7 requires (`"`, `\`, U+0000–U+001F); every other byte is copied, so
 * invalid UTF-8 stays invalid and the API refuses it (its parser is strict). The caller zeroes
 * the result once sent.
 */
export function jsonStringBytes(bytes: Uint8Array): Buffer {
  let size = 2;
  for (const b of bytes) size += b === 0x22 || b === 0x5c ? 2 : b < 0x20 ? 6 : 1;
  const out = Buffer.alloc(size);
  let at = 0;
  out[at++] = 0x22;
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) {
      out[at++] = 0x5c;
      out[at++] = b;
    } else if (b < 0x20) {
      // \u00XX
      out[at++] = 0x5c;
      out[at++] = 0x75;
      out[at++] = 0x30;
      out[at++] = 0x30;
      out[at++] = hex(b >> 4);
      out[at++] = hex(b & 0xf);
    } else out[at++] = b;
  }
  out[at] = 0x22;
  return out;
}

function hex(nibble: number): number {
  return nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10;
}

/** `{"k":v,…}` from already-encoded JSON values; the parts are zeroed (they may hold secrets). */
export function jsonObjectBytes(fields: readonly (readonly [string, Buffer])[]): Buffer {
  const parts: Buffer[] = [Buffer.from('{')];
  fields.forEach(([key, value], i) => {
    parts.push(Buffer.from(`${i === 0 ? '' : ','}${JSON.stringify(key)}:`), value);
  });
  parts.push(Buffer.from('}'));
  const whole = Buffer.concat(parts);
  for (const part of parts) part.fill(0);
  return whole;
}
