// The metrics registry's Prometheus text output, checked line by line against the exposition
// format (HELP/TYPE headers, label escaping, cumulative histogram buckets with +Inf, _sum, _count).
import t from "tap";
import { MetricsRegistry } from "../../../host/admin/metrics.js";

t.test("counters, gauges and label escaping", async (t) => {
  const r = new MetricsRegistry();
  const c = r.counter("kseal_test_total", "A test\ncounter", ["api"]);
  c.inc({ api: "Produce" });
  c.inc({ api: "Produce" }, 2);
  c.inc({ api: 'we"ird\\' });
  const g = r.gauge("kseal_test_gauge", "A gauge");
  g.set(undefined, 5);
  g.dec();
  t.equal(r.render(), [
    "# HELP kseal_test_total A test\\ncounter",
    "# TYPE kseal_test_total counter",
    'kseal_test_total{api="Produce"} 3',
    'kseal_test_total{api="we\\"ird\\\\"} 1',
    "# HELP kseal_test_gauge A gauge",
    "# TYPE kseal_test_gauge gauge",
    "kseal_test_gauge 4",
    "",
  ].join("\n"));
  t.throws(() => c.inc({ api: "x" }, -1), /cannot decrease/);
  t.equal(r.counter("kseal_test_total", "again", ["api"]), c, "re-registering returns the same family");
  t.throws(() => r.gauge("kseal_test_total", "clash", ["api"]), /another type/);
  t.throws(() => r.counter("bad-name", "x"), /bad metric name/);
  t.throws(() => r.counter("ok_name", "x", ["le"]), /bad label/);
});

t.test("histogram buckets are cumulative and end with +Inf", async (t) => {
  const r = new MetricsRegistry();
  const h = r.histogram("kseal_latency_ms", "Latency", ["op"], [1, 10, 100]);
  for (const v of [0.5, 5, 5, 50, 500]) h.observe({ op: "x" }, v);
  t.equal(r.render(), [
    "# HELP kseal_latency_ms Latency",
    "# TYPE kseal_latency_ms histogram",
    'kseal_latency_ms_bucket{op="x",le="1"} 1',
    'kseal_latency_ms_bucket{op="x",le="10"} 3',
    'kseal_latency_ms_bucket{op="x",le="100"} 4',
    'kseal_latency_ms_bucket{op="x",le="+Inf"} 5',
    'kseal_latency_ms_sum{op="x"} 560.5',
    'kseal_latency_ms_count{op="x"} 5',
    "",
  ].join("\n"));
  t.throws(() => r.histogram("kseal_bad", "x", [], [2, 1]), /increase/);
});

t.test("collectors run at scrape time; a failing one does not break the scrape", async (t) => {
  const r = new MetricsRegistry();
  const g = r.gauge("kseal_size", "Size");
  let size = 1;
  r.onCollect(() => g.set(undefined, size));
  r.onCollect(() => {
    throw new Error("broken source");
  });
  t.match(r.render(), /^kseal_size 1$/m);
  size = 7;
  t.match(r.render(), /^kseal_size 7$/m);
});
