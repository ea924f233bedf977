package main

// vcsim poll: the benchmark peer. A plain govmomi client that drains events the way the
// VMware tools do (root folder, recursion all, beginTime, ReadNextEvents(1000) in a loop),
// decoding every page through govmomi's normal methods.ReadNextEvents path.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func poll(args []string) {
	fs := flag.NewFlagSet("poll", flag.ExitOnError)
	sdk := fs.String("url", "", "SDK URL, https://host:port/sdk")
	username := fs.String("username", "user", "user name")
	password := fs.String("password", "pass", "password")
	count := fs.Int("count", 0, "events to read")
	insecure := fs.Bool("insecure", false, "skip TLS certificate verification")
	begin := fs.String("begin", "", "beginTime (RFC 3339); default: the server's CurrentTime")
	beginOldest := fs.Bool("begin-oldest", false, "no time filter: start at the oldest stored event")
	pageSize := fs.Int("page", 1000, "ReadNextEvents maxCount")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	_ = fs.Parse(args)
	if *sdk == "" || *count <= 0 {
		fatal("poll needs -url and -count > 0")
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	u, err := soap.ParseURL(*sdk)
	if err != nil {
		fatal("url: %s", err)
	}
	u.User = url.UserPassword(*username, *password)
	client, err := govmomi.NewClient(ctx, u, *insecure)
	if err != nil {
		fatal("login: %s", err)
	}
	c := client.Client

	filter := types.EventFilterSpec{
		Entity: &types.EventFilterSpecByEntity{Entity: c.ServiceContent.RootFolder, Recursion: types.EventFilterSpecRecursionOptionAll},
	}
	if !*beginOldest {
		var t time.Time
		if *begin != "" {
			if t, err = time.Parse(time.RFC3339Nano, *begin); err != nil {
				fatal("-begin: %s", err)
			}
		} else {
			now, err := methods.GetCurrentTime(ctx, c)
			if err != nil {
				fatal("CurrentTime: %s", err)
			}
			t = *now
		}
		filter.Time = &types.EventFilterSpecByTime{BeginTime: &t}
	}

	start := time.Now()
	created, err := methods.CreateCollectorForEvents(ctx, c, &types.CreateCollectorForEvents{
		This:   *c.ServiceContent.EventManager,
		Filter: filter,
	})
	if err != nil {
		fatal("CreateCollectorForEvents: %s", err)
	}
	collector := created.Returnval

	read, pages, empty := 0, 0, 0
	var firstKey, lastKey int32
	var lastTime time.Time
	outOfOrder := 0
	for read < *count {
		res, err := methods.ReadNextEvents(ctx, c, &types.ReadNextEvents{This: collector, MaxCount: int32(*pageSize)})
		if err != nil {
			fatal("ReadNextEvents after %d events: %s", read, err)
		}
		pages++
		if len(res.Returnval) == 0 {
			empty++
			time.Sleep(20 * time.Millisecond) // caught up: wait for more
			continue
		}
		for _, ev := range res.Returnval {
			e := ev.GetEvent()
			if read == 0 {
				firstKey = e.Key
			}
			if e.CreatedTime.Before(lastTime) {
				outOfOrder++
			}
			lastTime, lastKey = e.CreatedTime, e.Key
			read++
		}
	}
	elapsed := time.Since(start).Seconds()

	_, _ = methods.DestroyCollector(context.Background(), c, &types.DestroyCollector{This: collector})
	_ = client.Logout(context.Background())

	out, _ := json.Marshal(map[string]interface{}{
		"events":     read,
		"seconds":    elapsed,
		"rate":       float64(read) / elapsed,
		"pages":      pages,
		"emptyPages": empty,
		"firstKey":   firstKey,
		"lastKey":    lastKey,
		"outOfOrder": outOfOrder,
	})
	fmt.Println(string(out))
	os.Exit(0)
}
