/**
 * Per-connection FIFO of responses owed to the client.
 *
 * Kafka clients expect responses in request order on a connection. Each request that expects a
 * response takes a slot here when it is read; slots complete in any order (a later filter may
 * wait on a KMS for one response while the next is ready), and completed slots are written only
 * once every earlier slot has been written.
 */
/** One Kafka frame without its size prefix: a buffer, or parts written in sequence. */
export type Frame = Buffer | Buffer[];

export interface Slot<T> {
  readonly meta: T;
  done: boolean;
  /** Frames to write (size-prefixed or not is the writer's business); empty = write nothing. */
  out: Frame[];
}

export class ResponseQueue<T> {
  private readonly slots: Slot<T>[] = [];
  private head = 0;

  constructor(private readonly write: (out: Frame[], meta: T) => void) {}

  /** Reserves the next slot in request order. */
  reserve(meta: T): Slot<T> {
    const slot: Slot<T> = { meta, done: false, out: [] };
    this.slots.push(slot);
    return slot;
  }

  /** Marks a slot ready and writes every ready slot at the front of the queue. */
  complete(slot: Slot<T>, out: Frame[]): void {
    if (slot.done) throw new Error("response slot completed twice");
    slot.done = true;
    slot.out = out;
    this.flush();
  }

  /** Slots reserved and not yet written. */
  get size(): number {
    return this.slots.length - this.head;
  }

  private flush(): void {
    while (this.head < this.slots.length && this.slots[this.head]!.done) {
      const s = this.slots[this.head]!;
      this.slots[this.head] = undefined as unknown as Slot<T>;
      this.head++;
      this.write(s.out, s.meta);
    }
    // Compact occasionally so the array does not grow for the life of the connection.
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head);
      this.head = 0;
    }
  }
}
