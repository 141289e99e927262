// franz-go producer/consumer for kseal's compression tests.
//
//	franzcodec -brokers B -topic T -codec gzip|snappy|lz4|zstd produce   < "key\tvalue" lines
//	franzcodec -brokers B -topic T -n N consume                          > "key\tvalue" lines
//
// produce sends every line in one batch where it fits (franz-go writes raw snappy, lz4 frames and
// zstd); consume reads partition 0 from the start without a group (franz-go decodes xerial and raw
// snappy and verifies lz4 checksums when present).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "bootstrap servers")
	topic := flag.String("topic", "", "topic")
	codec := flag.String("codec", "none", "none|gzip|snappy|lz4|zstd")
	n := flag.Int("n", 0, "records to consume")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var err error
	switch flag.Arg(0) {
	case "produce":
		err = produce(ctx, strings.Split(*brokers, ","), *topic, *codec)
	case "consume":
		err = consume(ctx, strings.Split(*brokers, ","), *topic, *n)
	default:
		err = fmt.Errorf("usage: franzcodec [flags] produce|consume")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func produce(ctx context.Context, brokers []string, topic, codec string) error {
	var c kgo.CompressionCodec
	switch codec {
	case "none":
		c = kgo.NoCompression()
	case "gzip":
		c = kgo.GzipCompression()
	case "snappy":
		c = kgo.SnappyCompression()
	case "lz4":
		c = kgo.Lz4Compression()
	case "zstd":
		c = kgo.ZstdCompression()
	default:
		return fmt.Errorf("unknown codec %q", codec)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchCompression(c), kgo.ProducerLinger(200*time.Millisecond), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	defer cl.Close()
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var recs []*kgo.Record
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "\t")
		recs = append(recs, &kgo.Record{Key: []byte(k), Value: []byte(v), Partition: 0})
	}
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

func consume(ctx context.Context, brokers []string, topic string, n int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		return err
	}
	defer cl.Close()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	got := 0
	for got < n {
		fs := cl.PollFetches(ctx)
		if errs := fs.Errors(); len(errs) > 0 {
			return fmt.Errorf("fetch: %v", errs[0].Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if got < n {
				fmt.Fprintf(out, "%s\t%s\n", r.Key, r.Value)
				got++
			}
		})
	}
	return nil
}
