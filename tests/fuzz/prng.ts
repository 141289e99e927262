/**
 * Seeded PRNG for the fuzzer (sfc32, seeded through splitmix32). Every case gets its own
 * generator derived from (run seed, target name, case index), so one case reproduces on its own:
 * `run.ts --seed S --target T --case I` replays exactly the bytes that failed.
 */

function splitmix32(x: number): () => number {
  let s = x >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a of a string, to mix target names into seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...seeds: number[]) {
    let mix = 0x6b73656c;
    for (const s of seeds) mix = (Math.imul(mix ^ (s >>> 0), 0x01000193) + (Math.floor(s / 2 ** 32) | 0)) >>> 0;
    const sm = splitmix32(mix);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Generator of case `index` of target `target` in the run seeded with `seed`. */
  static forCase(seed: number, target: string, index: number): Prng {
    return new Prng(seed, hashString(target), index);
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n); 0 when n <= 0. */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  /** A length skewed towards small values (most bugs live at 0, 1 and near boundaries). */
  smallLength(max: number): number {
    const r = this.float();
    return Math.min(max, Math.floor(r * r * r * (max + 1)));
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}
