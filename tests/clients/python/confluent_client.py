"""confluent-kafka (librdkafka bundled in its wheel) as a kseal test client; see line_records.py for usage."""
import json
import sys
import time

from line_records import fail, parse_args, read_records, write_record


def produce(args):
    from confluent_kafka import Producer

    errors = []

    def delivered(err, _msg):
        if err is not None:
            errors.append(err)

    producer = Producer({
        "bootstrap.servers": args.brokers,
        "client.id": "kseal-confluent-kafka",
        "acks": args.acks,
        "compression.type": args.codec,
        "linger.ms": 100,
    })
    for k, v, h in read_records():
        producer.produce(args.topic, key=k, value=v, headers=h or None, on_delivery=delivered)
    left = producer.flush(args.timeout)
    if left:
        raise TimeoutError("%d records undelivered after %s s" % (left, args.timeout))
    if errors:
        raise RuntimeError("delivery failed: %s" % errors[0])


def consume(args):
    from confluent_kafka import Consumer

    consumer = Consumer({
        "bootstrap.servers": args.brokers,
        "client.id": "kseal-confluent-kafka",
        # librdkafka's consumer always needs a group; without one, an unused fresh one.
        "group.id": args.group or "kseal-confluent-%d-%d" % (time.time(), id(args)),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": "read_committed" if args.read_committed else "read_uncommitted",
    })
    try:
        consumer.subscribe(args.topic.split(","))
        got = 0
        deadline = time.monotonic() + args.timeout
        while got < args.count:
            if time.monotonic() > deadline:
                raise TimeoutError("read %d of %d records before the timeout" % (got, args.count))
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                raise RuntimeError("consume %s[%s]: %s" % (msg.topic(), msg.partition(), msg.error()))
            write_record(msg.key(), msg.value(), msg.headers() if args.headers else None)
            got += 1
    finally:
        sys.stdout.flush()
        consumer.close()


def main():
    args = parse_args(sys.argv[1:])
    try:
        if args.command == "version":
            import confluent_kafka
            v = confluent_kafka.version()
            v = v[0] if isinstance(v, tuple) else v
            print(json.dumps({"confluent-kafka": v, "librdkafka": confluent_kafka.libversion()[0]}))
        elif args.command == "produce":
            produce(args)
        else:
            consume(args)
    except Exception as e:  # every client error ends the run with status 1
        fail(e)


if __name__ == "__main__":
    main()
