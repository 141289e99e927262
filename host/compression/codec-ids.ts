// Kafka's compression codec ids: bits 0-2 of a record batch's attributes.

export const CODEC = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CodecName = keyof typeof CODEC;
export type CodecId = (typeof CODEC)[CodecName];

const NAMES: readonly CodecName[] = ["none", "gzip", "snappy", "lz4", "zstd"];

export function isCodecId(n: number): n is CodecId {
  return Number.isInteger(n) && n >= 0 && n < NAMES.length;
}

export function codecName(id: number): string {
  return NAMES[id] ?? `codec ${id}`;
}
