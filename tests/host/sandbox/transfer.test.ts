// Bytes posted to sandbox workers: slices are copied into buffers of their own before their
// ArrayBuffer is moved, so the caller's frame is never detached; results that own their whole
// buffer are moved, pool-allocated ones are not.
import t from "tap";
import { MessageChannel } from "node:worker_threads";
import { forPost, transferables } from "../../../host/sandbox/transfer.js";

t.test("forPost copies slices; moving the copy leaves the caller's frame intact", async (t) => {
  const frame = Buffer.from("0123456789abcdefghij");
  const part = frame.subarray(5, 10);
  const transfer: ArrayBuffer[] = [];
  const posted = forPost(part, transfer);
  t.equal(transfer.length, 1);
  t.not(posted.buffer, frame.buffer, "a buffer of its own");
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<Uint8Array>((r) => port2.once("message", r));
  port1.postMessage(posted, transfer);
  t.equal(Buffer.from(await got).toString(), "56789", "the bytes arrive");
  t.equal(frame.toString(), "0123456789abcdefghij", "the frame is still readable");
  t.equal(frame.buffer.byteLength > 0, true, "not detached");
  port1.close();
  const whole = new Uint8Array(8);
  const none: ArrayBuffer[] = [];
  t.equal(forPost(whole, none), whole, "a buffer spanning its ArrayBuffer is posted as is (cloned)");
  t.equal(none.length, 0);
});

t.test("transferables: only buffers that span their ArrayBuffer, each once", async (t) => {
  const own = new Uint8Array(new ArrayBuffer(16));
  const pooled = Buffer.from("small");
  const list = transferables({ parts: [{ records: own, seen: [own] }, { records: pooled }], n: 3 });
  t.same(list, [own.buffer]);
});
