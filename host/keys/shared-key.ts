/**
 * A DEK shared by several holders (leases, cache lookups). It is wiped (filled with zeros) once it
 * is retired and the last holder has released it, never while a batch may still be using it.
 */
export class SharedKey {
  private refs = 0;
  private retired = false;

  constructor(readonly key: Buffer) {}

  get wiped(): boolean {
    return this.retired && this.refs === 0;
  }

  get holders(): number {
    return this.refs;
  }

  acquire(): void {
    if (this.wiped) throw new Error("SharedKey: acquire after wipe");
    this.refs++;
  }

  release(): void {
    if (this.refs === 0) throw new Error("SharedKey: release without acquire");
    this.refs--;
    if (this.retired && this.refs === 0) this.key.fill(0);
  }

  /** No new holders from now on; wipes now if nobody holds it. */
  retire(): void {
    if (this.retired) return;
    this.retired = true;
    if (this.refs === 0) this.key.fill(0);
  }
}
