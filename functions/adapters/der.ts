// KMS returns ECDSA signatures DER-encoded (SEQUENCE { INTEGER r, INTEGER s }); JOSE wants r‖s as two
// fixed-size big-endian integers. This is the whole conversion for P-256.

function readLength(der: Uint8Array, offset: number): [length: number, next: number] {
  const first = der[offset];
  if (first === undefined) throw new Error('DER signature truncated');
  if (first < 0x80) return [first, offset + 1];
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 2) throw new Error('DER length form not expected in an ECDSA signature');
  let length = 0;
  for (let i = 1; i <= bytes; i++) length = (length << 8) | (der[offset + i] ?? 0);
  return [length, offset + 1 + bytes];
}

function readInteger(der: Uint8Array, offset: number, size: number): [value: Uint8Array, next: number] {
  if (der[offset] !== 0x02) throw new Error('DER signature: expected INTEGER');
  const [length, start] = readLength(der, offset + 1);
  let bytes = der.subarray(start, start + length);
  if (bytes.length !== length) throw new Error('DER signature truncated');
  // Strip the sign-padding zero bytes, then left-pad to the curve size.
  while (bytes.length > size && bytes[0] === 0) bytes = bytes.subarray(1);
  if (bytes.length > size) throw new Error('DER signature integer larger than the curve');
  const out = new Uint8Array(size);
  out.set(bytes, size - bytes.length);
  return [out, start + length];
}

/** DER ECDSA signature → JOSE r‖s (64 bytes for P-256). */
export function derToJose(der: Uint8Array, size = 32): Uint8Array {
  if (der[0] !== 0x30) throw new Error('DER signature: expected SEQUENCE');
  const [length, start] = readLength(der, 1);
  if (start + length !== der.length) throw new Error('DER signature: length mismatch');
  const [r, afterR] = readInteger(der, start, size);
  const [s, afterS] = readInteger(der, afterR, size);
  if (afterS !== der.length) throw new Error('DER signature: trailing bytes');
  const out = new Uint8Array(size * 2);
  out.set(r, 0);
  out.set(s, size);
  return out;
}
