/**
 * Whether an image belongs to the unbiased labelling sample of its plot type. Decided from the image
 * id alone (a SHA-256, uniformly distributed), so a replay or a second ingest decides the same.
 */
export function inUnbiasedSample(imageId: string, collectPercent: number): boolean {
  if (collectPercent <= 0) return false;
  if (collectPercent >= 100) return true;
  const u = parseInt(imageId.slice(0, 8), 16) / 0x1_0000_0000;
  return u * 100 < collectPercent;
}
