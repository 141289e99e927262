/**
 * Topic id ↔ name map for one virtual cluster, filled from every Metadata response that passes
 * through the proxy. Produce v13 and Fetch v13+ carry only topic ids; later filters resolve them
 * here and must fail closed on an unknown id (never pass plaintext because a lookup missed).
 */
const ZERO_ID = "00000000000000000000000000000000";

export function topicIdHex(id: Buffer | Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}

export class TopicMap {
  private readonly byId = new Map<string, string>();
  private readonly byName = new Map<string, string>();

  /** Records one (id, name) pair; a zero or missing id (Metadata < v10) is ignored. */
  set(id: Buffer | Uint8Array | string | undefined, name: string | null | undefined): void {
    if (id === undefined || name === null || name === undefined || name === "") return;
    const hex = typeof id === "string" ? id.toLowerCase() : topicIdHex(id);
    if (hex === ZERO_ID || hex.length !== 32) return;
    const oldName = this.byId.get(hex);
    if (oldName !== undefined && oldName !== name) this.byName.delete(oldName);
    const oldId = this.byName.get(name);
    // A topic deleted and re-created under the same name gets a new id; drop the stale one.
    if (oldId !== undefined && oldId !== hex) this.byId.delete(oldId);
    this.byId.set(hex, name);
    this.byName.set(name, hex);
  }

  nameOf(id: Buffer | Uint8Array | string): string | undefined {
    return this.byId.get(typeof id === "string" ? id.toLowerCase() : topicIdHex(id));
  }

  /** The id as 32 lowercase hex digits. */
  idOf(name: string): string | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byId.size;
  }
}
