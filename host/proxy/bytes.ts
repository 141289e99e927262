/**
 * Buffer operations whose Node 20.9 typings do not accept a Buffer as a Uint8Array under
 * TypeScript 6's lib (ArrayBufferLike vs ArrayBuffer); the casts live here only.
 */
import type { Socket } from "node:net";

export function concat(parts: Buffer[]): Buffer {
  return Buffer.concat(parts as unknown as Uint8Array[]);
}

export function writeSocket(sock: Socket, data: Buffer): boolean {
  return sock.write(data as unknown as Uint8Array);
}

/** A copy of `data` that owns its memory. */
export function copyOf(data: Buffer): Buffer {
  return Buffer.from(data as unknown as Uint8Array);
}

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.equals(b as unknown as Uint8Array);
}
