import { crc32 } from 'node:zlib';

export type ImageProblemCode = 'empty' | 'truncated' | 'not-image' | 'too-large' | 'unreadable';

export type PngCheck =
  | { readonly ok: true; readonly width: number; readonly height: number }
  | { readonly ok: false; readonly code: ImageProblemCode; readonly reason: string };

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function sniff(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 12));
  if (b[0] === 0xff && b[1] === 0xd8) return 'a JPEG';
  if (b.subarray(0, 4).toString('latin1') === 'GIF8') return 'a GIF';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF') return 'a RIFF/WebP file';
  if (b.subarray(0, 2).toString('latin1') === 'BM') return 'a BMP';
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'a PDF';
  return 'not a PNG';
}

/**
 * Checks a PNG's structure without decoding its pixels: signature, IHDR, every chunk's CRC, and IEND.
 * Catches what writers produce (empty, half-written, renamed JPEGs, random bytes, bombs) in microseconds.
 */
export function checkPng(bytes: Uint8Array, limits: { maxPixels: number }): PngCheck {
  if (bytes.length === 0) return { ok: false, code: 'empty', reason: 'the file is empty (0 bytes)' };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) {
    if (buf.length < 8 && SIGNATURE.subarray(0, buf.length).equals(buf)) {
      return { ok: false, code: 'truncated', reason: `the PNG ends after ${buf.length} bytes, inside its signature` };
    }
    return { ok: false, code: 'not-image', reason: `the file is ${sniff(bytes)}: no PNG signature` };
  }
  let pos = 8;
  let width = 0;
  let height = 0;
  let sawIdat = false;
  let first = true;
  while (pos < buf.length) {
    if (pos + 8 > buf.length)
      return { ok: false, code: 'truncated', reason: `the PNG ends at byte ${buf.length}, inside a chunk header` };
    const length = buf.readUInt32BE(pos);
    const type = buf.subarray(pos + 4, pos + 8).toString('latin1');
    if (!/^[A-Za-z]{4}$/.test(type))
      return { ok: false, code: 'unreadable', reason: `corrupt chunk type at byte ${pos}` };
    const end = pos + 12 + length;
    if (end > buf.length)
      return {
        ok: false,
        code: 'truncated',
        reason: `the PNG ends at byte ${buf.length}, inside chunk ${type} that needs ${end} bytes`,
      };
    const crc = buf.readUInt32BE(pos + 8 + length);
    if (crc32(buf.subarray(pos + 4, pos + 8 + length)) !== crc) {
      return { ok: false, code: 'unreadable', reason: `chunk ${type} at byte ${pos} fails its CRC check` };
    }
    if (first) {
      if (type !== 'IHDR' || length !== 13)
        return { ok: false, code: 'unreadable', reason: 'the PNG does not start with an IHDR chunk' };
      width = buf.readUInt32BE(pos + 8);
      height = buf.readUInt32BE(pos + 12);
      if (width === 0 || height === 0)
        return { ok: false, code: 'unreadable', reason: `the PNG declares a ${width}x${height} image` };
      if (width * height > limits.maxPixels) {
        return {
          ok: false,
          code: 'too-large',
          reason: `the PNG is ${width}x${height} = ${width * height} pixels, over the limit of ${limits.maxPixels}`,
        };
      }
      first = false;
    }
    if (type === 'IDAT') sawIdat = true;
    if (type === 'IEND') {
      if (!sawIdat) return { ok: false, code: 'unreadable', reason: 'the PNG has no image data (IDAT)' };
      return { ok: true, width, height };
    }
    pos = end;
  }
  return {
    ok: false,
    code: 'truncated',
    reason: `the PNG ends at byte ${buf.length} without its IEND chunk (half-written?)`,
  };
}
