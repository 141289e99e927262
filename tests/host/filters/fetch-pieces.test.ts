// Fetched partitions cut at batch boundaries for the workers, and joined again in order.
import t from "tap";
import { cutPieces, joinPieces } from "../../../host/filters/fetch-pieces.js";
import { KafkaError } from "../../../host/protocol/kafka-errors.js";

/** A fake batch: baseOffset, batchLength, then filler, `size` bytes in all. */
function batch(size: number, fill: number): Buffer {
  const b = Buffer.alloc(size, fill);
  b.writeBigInt64BE(BigInt(fill), 0);
  b.writeInt32BE(size - 12, 8);
  return b;
}

t.test("cut: whole batches up to the limit per piece, in order, nothing lost", async (t) => {
  const field = Buffer.concat([batch(100, 1), batch(100, 2), batch(100, 3), batch(350, 4), batch(50, 5)]);
  const pieces = cutPieces([field], 250);
  t.same(pieces.map((p) => p.records.length), [200, 100, 350, 50], "a batch over the limit is a piece of its own");
  t.ok(Buffer.concat(pieces.map((p) => p.records)).equals(field), "the pieces are the field");
  t.same(cutPieces([field], Infinity).map((p) => p.records.length), [field.length], "no limit: one piece");
});

t.test("cut: trailing and unframed bytes stay in the last piece", async (t) => {
  const truncated = batch(100, 9).subarray(0, 40);
  const field = Buffer.concat([batch(100, 1), batch(100, 2), truncated]);
  t.same(cutPieces([field], 100).map((p) => p.records.length), [100, 140]);
  const negative = Buffer.concat([batch(100, 1), batch(100, 2), batch(100, 3)]);
  negative.writeInt32BE(-5, 208);
  t.same(cutPieces([negative], 150).map((p) => p.records.length), [100, 200], "a malformed batch ends the piece it falls in, the last");
  t.same(cutPieces([Buffer.alloc(0), batch(30, 1)], 10).map((p) => [p.part, p.records.length]), [[0, 0], [1, 30]], "each partition gets a piece");
});

t.test("join: unchanged, changed, failed in the middle", async (t) => {
  const pieces = [0, 1, 2].map((i) => ({ part: 0, records: Buffer.from(`p${i}`) }));
  const e1 = Buffer.from("e1");
  const e2 = Buffer.from("e2");
  t.equal(joinPieces(pieces, pieces.map(() => ({ missing: [], seen: [e1] }))).records, undefined, "nothing changed: undefined");
  const mixed = joinPieces(pieces, [{ missing: [], seen: [e1] }, { records: Buffer.from("D1"), missing: [], seen: [e1, e2] }, { missing: [], seen: [] }]);
  t.equal(mixed.records!.toString(), "p0D1p2", "changed pieces replace theirs, the others are kept");
  t.same(mixed.seen.map(String).sort(), ["e1", "e2"], "EDEKs seen in any piece, once each");
  const error = { code: KafkaError.CORRUPT_MESSAGE, message: "x" };
  const failed = joinPieces(pieces, [{ records: Buffer.from("D0"), missing: [], seen: [] }, { records: Buffer.from("d1"), error, missing: [], seen: [] }, { records: Buffer.from("D2"), missing: [], seen: [] }]);
  t.equal(failed.records!.toString(), "D0d1", "what decrypted before the failure, nothing after it");
  t.equal(failed.error, error);
  const first = joinPieces(pieces, [{ error, missing: [], seen: [] }, { records: Buffer.from("D1"), missing: [], seen: [] }, { missing: [], seen: [] }]);
  t.equal(first.records, undefined, "failed at once: no records");
  const one = { records: Buffer.from("x"), missing: [], seen: [] };
  t.equal(joinPieces([pieces[0]!], [one]), one, "a single piece is its outcome");
});
