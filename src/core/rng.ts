/** A source of uniform random numbers in [0, 1); seedable so runs and tests repeat. */
export interface Rng {
  next(): number;
}

/** Hashes a string seed to 32 bits (FNV-1a), so seeds can be names as well as numbers. */
function hashSeed(seed: string | number): number {
  const text = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Creates a seeded generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting RNG, used by
 * PractRand), seeded by splitmix32 from the hashed seed. Passes PractRand to 2^40 bytes, far
 * more than load schedules and fault injection need. Not for cryptography.
 */
export function createRng(seed: string | number): Rng {
  let s = hashSeed(seed);
  const splitmix = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const rng: Rng = {
    next() {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      return (t >>> 0) / 4294967296;
    },
  };
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}
