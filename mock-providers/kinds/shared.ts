/** Units a per-second limit allows in a window of `windowMs` (at least 1). */
export function perWindow(tps: number, windowMs: number): number {
  return Math.max(1, Math.round(tps * (windowMs / 1000)));
}
