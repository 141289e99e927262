import t from "tap";
import { ResponseQueue } from "../../../host/proxy/response-queue.js";

t.test("responses leave in request order even when they complete out of order", async (t) => {
  const written: string[] = [];
  const q = new ResponseQueue<string>((out, meta) => written.push(`${meta}:${out.map((b) => b.toString()).join("+")}`));
  const a = q.reserve("a");
  const b = q.reserve("b");
  const c = q.reserve("c");
  t.equal(q.size, 3);
  q.complete(c, [Buffer.from("C")]);
  q.complete(b, [Buffer.from("B1"), Buffer.from("B2")]);
  t.same(written, [], "nothing written while the oldest is pending");
  q.complete(a, [Buffer.from("A")]);
  t.same(written, ["a:A", "b:B1+B2", "c:C"]);
  t.equal(q.size, 0);
});

t.test("an empty completion writes nothing but releases the slot", async (t) => {
  const written: string[] = [];
  const q = new ResponseQueue<string>((_out, meta) => written.push(meta));
  const a = q.reserve("a");
  const b = q.reserve("b");
  q.complete(b, [Buffer.from("x")]);
  q.complete(a, []);
  t.same(written, ["a", "b"]);
});

t.test("double completion is a bug", async (t) => {
  const q = new ResponseQueue<string>(() => {});
  const a = q.reserve("a");
  q.complete(a, []);
  t.throws(() => q.complete(a, []));
});

t.test("long-lived queue compacts and keeps order", async (t) => {
  let n = 0;
  let ok = true;
  const q = new ResponseQueue<number>((_o, meta) => {
    if (meta !== n) ok = false;
    n++;
  });
  for (let i = 0; i < 5000; i++) {
    const s1 = q.reserve(2 * i);
    const s2 = q.reserve(2 * i + 1);
    q.complete(s2, []);
    q.complete(s1, []);
  }
  t.ok(ok);
  t.equal(n, 10000);
  t.equal(q.size, 0);
});
