// kseal's benchmark load generator (compiled and run by tests/bench/load-gen.ts against the Kafka
// client jars of the test rig). One JVM per run; prints one line "RESULT {json}".
//
//   LoadGen produce <bootstrap> <topic,topic..> <records> <size> [k=v producer props...]
//     as fast as possible, records round-robin over the topics; throughput from first send to
//     the last acknowledgement.
//   LoadGen consume <bootstrap> <topic,topic..> <records> <size> [k=v consumer props...]
//     assigns every partition of the topics from the beginning and polls until <records> arrived.
//   LoadGen fixed <bootstrap> <topic,topic..> <records> <size> <rate> <warmup> [k=v producer props...]
//     a producer at a fixed offered load of <rate> records/s plus a consumer on the same topics.
//     Record i is due at start + i/rate; its latency is measured from that intended time, not
//     from when send() was actually called, so a stalled proxy cannot hide its stall by slowing
//     the producer down (no coordinated omission). The first 8 bytes of each value carry the
//     intended time, so the consumer measures end-to-end latency the same way. The first
//     <warmup> records are left out of the percentiles.
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class LoadGen {
  public static void main(String[] a) throws Exception {
    String mode = a[0];
    String bootstrap = a[1];
    String[] topics = a[2].split(",");
    int records = Integer.parseInt(a[3]);
    int size = Integer.parseInt(a[4]);
    switch (mode) {
      case "produce" -> produce(bootstrap, topics, records, size, props(a, 5));
      case "consume" -> consume(bootstrap, topics, records, props(a, 5), null, 0);
      case "fixed" -> fixed(bootstrap, topics, records, size, Double.parseDouble(a[5]), Integer.parseInt(a[6]), props(a, 7));
      default -> throw new IllegalArgumentException("mode " + mode);
    }
  }

  static Properties props(String[] a, int from) {
    Properties p = new Properties();
    for (int i = from; i < a.length; i++) {
      int eq = a[i].indexOf('=');
      p.setProperty(a[i].substring(0, eq), a[i].substring(eq + 1));
    }
    return p;
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap, Properties extra) {
    Properties p = new Properties();
    p.setProperty("bootstrap.servers", bootstrap);
    p.setProperty("acks", "all");
    p.putAll(extra);
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Random printable payloads, as ProducerPerformance uses, so compression (if set) sees text. */
  static byte[][] payloads(int size) {
    Random r = new Random(42);
    byte[][] out = new byte[64][size];
    for (byte[] b : out) for (int i = 0; i < size; i++) b[i] = (byte) (r.nextInt(26) + 65);
    return out;
  }

  static void produce(String bootstrap, String[] topics, int records, int size, Properties extra) throws Exception {
    byte[][] values = payloads(size);
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrap, extra)) {
      for (String t : topics) p.partitionsFor(t); // metadata before the clock starts
      long start = System.nanoTime();
      for (int i = 0; i < records; i++) {
        p.send(new ProducerRecord<>(topics[i % topics.length], values[i & 63]), (md, e) -> {
          if (e != null && errors.getAndIncrement() == 0) firstError.set(e.toString());
        });
      }
      p.flush();
      long ns = System.nanoTime() - start;
      if (errors.get() > 0) throw new IllegalStateException(errors.get() + " sends failed, first: " + firstError.get());
      System.out.println("RESULT " + throughputJson(records, (long) records * size, ns));
    }
  }

  static String throughputJson(long records, long bytes, long ns) {
    double s = ns / 1e9;
    return String.format(Locale.ROOT, "{\"records\":%d,\"bytes\":%d,\"seconds\":%.4f,\"recordsPerSec\":%.1f,\"mbPerSec\":%.3f}",
        records, bytes, s, records / s, bytes / s / (1024 * 1024));
  }

  /** Consumes <records> records; with e2e != null, stores now - intended time per record index. */
  static void consume(String bootstrap, String[] topics, int records, Properties extra, long[] e2e, long base) {
    Properties p = new Properties();
    p.setProperty("bootstrap.servers", bootstrap);
    p.setProperty("enable.auto.commit", "false");
    p.setProperty("auto.offset.reset", "earliest");
    p.putAll(extra);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (String t : topics) for (PartitionInfo pi : c.partitionsFor(t)) tps.add(new TopicPartition(t, pi.partition()));
      c.assign(tps);
      c.seekToBeginning(tps);
      long count = 0;
      long bytes = 0;
      long start = System.nanoTime();
      long idleSince = start;
      while (count < records) {
        ConsumerRecords<byte[], byte[]> batch = c.poll(java.time.Duration.ofMillis(200));
        long now = System.nanoTime();
        if (batch.isEmpty()) {
          if (now - idleSince > 120_000_000_000L) throw new IllegalStateException("no records for 120 s after " + count);
          continue;
        }
        idleSince = now;
        for (ConsumerRecord<byte[], byte[]> r : batch) {
          byte[] v = r.value();
          bytes += v.length;
          if (e2e != null) {
            long idx = readLong(v, 8);
            if (idx >= 0 && idx < e2e.length) e2e[(int) idx] = now - (base + readLong(v, 0));
          }
          count++;
        }
      }
      if (e2e == null) System.out.println("RESULT " + throughputJson(count, bytes, System.nanoTime() - start));
    }
  }

  static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | (b[off + i] & 0xff);
    return v;
  }

  static void writeLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  static void fixed(String bootstrap, String[] topics, int records, int size, double rate, int warmup, Properties extra) throws Exception {
    if (size < 16) throw new IllegalArgumentException("fixed-rate records need at least 16 bytes");
    long[] ack = new long[records];
    long[] e2e = new long[records];
    Arrays.fill(ack, -1);
    Arrays.fill(e2e, -1);
    byte[] value = payloads(size)[0];
    AtomicLong errors = new AtomicLong();
    long base = System.nanoTime();
    AtomicReference<Throwable> consumerError = new AtomicReference<>();
    Thread consumer = new Thread(() -> {
      try {
        consume(bootstrap, topics, records, new Properties(), e2e, base);
      } catch (Throwable t) {
        consumerError.set(t);
      }
    }, "e2e-consumer");
    long maxBehind = 0;
    try (KafkaProducer<byte[], byte[]> p = producer(bootstrap, extra)) {
      for (String t : topics) p.partitionsFor(t);
      consumer.start();
      Thread.sleep(2000); // consumer assigned and polling before the first record is due
      double interval = 1e9 / rate;
      long start = System.nanoTime();
      for (int i = 0; i < records; i++) {
        long due = start + (long) (i * interval);
        long now;
        while ((now = System.nanoTime()) < due) LockSupport.parkNanos(Math.min(due - now, 200_000));
        maxBehind = Math.max(maxBehind, now - due);
        // send() copies the value into the batch before it returns, so one array serves all records.
        writeLong(value, 0, due - base);
        writeLong(value, 8, i);
        final int idx = i;
        p.send(new ProducerRecord<>(topics[i % topics.length], value), (md, e) -> {
          if (e != null) errors.incrementAndGet();
          else ack[idx] = System.nanoTime() - due;
        });
      }
      p.flush();
    }
    consumer.join(180_000);
    if (consumer.isAlive()) throw new IllegalStateException("consumer did not receive every record");
    if (consumerError.get() != null) throw new IllegalStateException("consumer failed", consumerError.get());
    if (errors.get() > 0) throw new IllegalStateException(errors.get() + " sends failed");
    System.out.println(String.format(Locale.ROOT, "RESULT {\"records\":%d,\"rate\":%.1f,\"warmup\":%d,\"maxSendBehindMs\":%.3f,\"produce\":%s,\"e2e\":%s}",
        records, rate, warmup, maxBehind / 1e6, percentiles(ack, warmup), percentiles(e2e, warmup)));
  }

  static String percentiles(long[] ns, int skip) {
    long[] s = Arrays.copyOfRange(ns, Math.min(skip, ns.length), ns.length);
    Arrays.sort(s);
    int missing = 0;
    while (missing < s.length && s[missing] < 0) missing++;
    s = Arrays.copyOfRange(s, missing, s.length);
    if (s.length == 0) return "null";
    double sum = 0;
    for (long v : s) sum += v;
    return String.format(Locale.ROOT, "{\"n\":%d,\"missing\":%d,\"meanMs\":%.3f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"p999Ms\":%.3f,\"maxMs\":%.3f}",
        s.length, missing, sum / s.length / 1e6, at(s, 0.5), at(s, 0.99), at(s, 0.999), s[s.length - 1] / 1e6);
  }

  static double at(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }
}
