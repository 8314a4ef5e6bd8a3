import sharp from 'sharp';

/** Small least-recently-used cache of rendered thumbnails, with one render per image however many ask at once. */
export class ThumbnailCache {
  private readonly done = new Map<string, Buffer>();
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = 64 * 1024 * 1024,
    private readonly width = 480,
  ) {}

  async get(sha: string, load: () => Promise<Uint8Array>): Promise<Buffer> {
    const hit = this.done.get(sha);
    if (hit) {
      this.done.delete(sha);
      this.done.set(sha, hit);
      return hit;
    }
    let p = this.inFlight.get(sha);
    if (!p) {
      p = this.render(await load()).finally(() => this.inFlight.delete(sha));
      this.inFlight.set(sha, p);
      const out = await p;
      this.keep(sha, out);
      return out;
    }
    return p;
  }

  private async render(bytes: Uint8Array): Promise<Buffer> {
    return sharp(bytes).resize({ width: this.width, withoutEnlargement: true }).webp({ quality: 82 }).toBuffer();
  }

  private keep(sha: string, out: Buffer): void {
    this.done.set(sha, out);
    this.bytes += out.length;
    for (const [k, v] of this.done) {
      if (this.bytes <= this.maxBytes) break;
      this.done.delete(k);
      this.bytes -= v.length;
    }
  }
}

/** The content type of image bytes, from their first bytes (blobs are stored by hash, without a type). */
export function sniffImageType(b: Uint8Array): string {
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'image/gif';
  if (
    b[0] === 0x52 &&
    b[1] === 0x49 &&
    b[2] === 0x46 &&
    b[3] === 0x46 &&
    b[8] === 0x57 &&
    b[9] === 0x45 &&
    b[10] === 0x42 &&
    b[11] === 0x50
  )
    return 'image/webp';
  return 'application/octet-stream';
}
