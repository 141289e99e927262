// The delivery checker's rules (tests/rig/verifiable.ts) on hand-made event lists, so a fault
// test that passes cannot be passing because the checker looks away.
import t from "tap";
import { checkDelivery, type AckedRecord, type ConsumedRecord } from "../../rig/verifiable.js";

const P = 424242424;
const v = (n: number) => `${P}.${n}`;
const acked: AckedRecord[] = [
  { value: v(0), partition: 0, offset: 0 },
  { value: v(1), partition: 1, offset: 0 },
  { value: v(2), partition: 0, offset: 1 },
];
const read = (list: Array<[number, number, string | null]>): ConsumedRecord[] => list.map(([partition, offset, value]) => ({ partition, offset, value }));
const check = (consumed: ConsumedRecord[]) => checkDelivery(acked, consumed, { valuePrefix: P, maxMessages: 10 });

t.test("everything read once passes", async (t) => {
  const c = check(read([[0, 0, v(0)], [1, 0, v(1)], [0, 1, v(2)]]));
  t.ok(c.ok);
  t.same([c.acked, c.consumed, c.deliveries, c.redelivered, c.unackedStored], [3, 3, 3, 0, 0]);
});

t.test("an acknowledged record never read is missing", async (t) => {
  const c = check(read([[0, 0, v(0)], [1, 0, v(1)]]));
  t.notOk(c.ok);
  t.same(c.missing, [{ value: v(2), partition: 0, offset: 1 }]);
});

t.test("other bytes at an acknowledged offset are mismatched (e.g. ciphertext handed out)", async (t) => {
  const c = check(read([[0, 0, v(0)], [1, 0, "\u0000\u0001garbage"], [0, 1, v(2)]]));
  t.notOk(c.ok);
  t.same(c.mismatched, [{ partition: 1, offset: 0, expected: v(1), got: "\u0000\u0001garbage" }]);
});

t.test("one value at two offsets is a duplicate", async (t) => {
  const c = check(read([[0, 0, v(0)], [1, 0, v(1)], [0, 1, v(2)], [0, 2, v(2)]]));
  t.notOk(c.ok);
  t.same(c.duplicates, [{ value: v(2), at: ["0:1", "0:2"] }]);
});

t.test("re-reading an offset with the same bytes is allowed and counted", async (t) => {
  const c = check(read([[0, 0, v(0)], [1, 0, v(1)], [0, 1, v(2)], [0, 0, v(0)], [0, 1, v(2)]]));
  t.ok(c.ok);
  t.equal(c.redelivered, 2);
  t.equal(c.consumed, 3);
  t.equal(c.deliveries, 5);
});

t.test("an unacknowledged value stored once is allowed; a value never sent is not", async (t) => {
  const ok = check(read([[0, 0, v(0)], [1, 0, v(1)], [0, 1, v(2)], [1, 1, v(7)]]));
  t.ok(ok.ok);
  t.equal(ok.unackedStored, 1);
  for (const bad of [v(10), `${P}.07`, `${P + 1}.3`, "hello"]) {
    const c = check(read([[0, 0, v(0)], [1, 0, v(1)], [0, 1, v(2)], [1, 1, bad]]));
    t.notOk(c.ok, `${JSON.stringify(bad)} is unexpected`);
    t.same(c.unexpected.map((r) => r.value), [bad]);
  }
});
