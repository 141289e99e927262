// franz-go client for kseal proxy tests: produces records to a topic, then consumes them back in
// a consumer group, commits, and prints one JSON line with what it saw. franz-go speaks the
// newest protocol versions (Produce v13 with topic ids, Fetch v18, batched FindCoordinator v4+).
//
// Usage: franz -brokers host:port -topic T -n 100 -group G
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

type result struct {
	Produced int      `json:"produced"`
	Consumed int      `json:"consumed"`
	Values   []string `json:"values"`
}

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9192", "bootstrap servers")
	topic := flag.String("topic", "", "topic")
	n := flag.Int("n", 100, "records")
	group := flag.String("group", "", "consumer group")
	timeout := flag.Duration("timeout", 60*time.Second, "overall timeout")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	seeds := kgo.SeedBrokers(strings.Split(*brokers, ",")...)
	p, err := kgo.NewClient(seeds, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic(*topic))
	if err != nil {
		fail(err)
	}
	var res result
	records := make([]*kgo.Record, 0, *n)
	for i := 0; i < *n; i++ {
		records = append(records, &kgo.Record{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("franz-%d", i))})
	}
	if err := p.ProduceSync(ctx, records...).FirstErr(); err != nil {
		fail(err)
	}
	res.Produced = len(records)
	p.Close()

	c, err := kgo.NewClient(seeds, kgo.ConsumerGroup(*group), kgo.ConsumeTopics(*topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
	if err != nil {
		fail(err)
	}
	for res.Consumed < *n {
		fs := c.PollFetches(ctx)
		if errs := fs.Errors(); len(errs) > 0 {
			fail(errs[0].Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			res.Values = append(res.Values, string(r.Value))
			res.Consumed++
		})
	}
	if err := c.CommitUncommittedOffsets(ctx); err != nil {
		fail(err)
	}
	c.Close()
	sort.Strings(res.Values)
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "franz:", err)
	os.Exit(1)
}
