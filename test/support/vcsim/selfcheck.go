package main

// vcsim selfcheck: builds every mixed shape and a batch of random events and checks that
// each survives the SOAP round trip unchanged and has both golden encodings.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

func selfcheck(args []string) {
	fs := flag.NewFlagSet("selfcheck", flag.ExitOnError)
	n := fs.Int("random", 2000, "random events to check (at least 600)")
	seed := fs.Int64("seed", 1, "random seed")
	_ = fs.Parse(args)
	if *n < 600 {
		*n = 600
	}
	log.SetOutput(io.Discard)

	model := simulator.VPX()
	if err := model.Create(); err != nil {
		fatal("model: %s", err)
	}
	defer model.Remove()

	failed := 0
	specs, _ := parseShapeList(nil)
	sh := newShapes()
	t0 := time.Now()
	tmpl, err := sh.templates(specs, time.Now().UTC())
	if err != nil {
		fatal("shapes: %s", err)
	}
	for _, row := range tmpl {
		for _, ev := range row {
			if err := goldenCheck(ev); err != nil {
				fmt.Printf("shape %s: %s\n", className(ev), err)
				failed++
			}
		}
	}
	fmt.Printf("shapes: %d VMs x %d shapes in %s\n", len(tmpl), len(specs), time.Since(t0))

	t0 = time.Now()
	events, err := randomEvents(*seed, *n, nil, false)
	if err != nil {
		fatal("random: %s", err)
	}
	size := 0
	classes := map[string]bool{}
	for _, ev := range events {
		j, _ := json.Marshal(ev)
		size += len(j)
		classes[className(ev)] = true
	}
	fmt.Printf("random: %d events (%d classes of %d, avg %d JSON bytes) in %s\n",
		len(events), len(classes), len(getUniverse().events), size/len(events), time.Since(t0))
	// The concatenated page answers must be byte-identical to the generic encoder's.
	store := newEventStore(100000, 32)
	mixedEvents, tmpls, err := sh.mixed(specs, 500, time.Now().UTC())
	if err != nil {
		fatal("mixed: %s", err)
	}
	stored := store.post(mixedEvents, tmpls, 3, "")
	stored = append(stored, store.post(events, nil, 1, "")...)
	for _, page := range [][]*storedEvent{nil, stored[:1], stored[:1000], stored[499:501]} {
		var evs []types.BaseEvent
		for _, se := range page {
			evs = append(evs, se.ev)
		}
		var want bytes.Buffer
		if err := encodeResponse(&want, &methods.ReadNextEventsBody{Res: &types.ReadNextEventsResponse{Returnval: evs}}); err != nil {
			fatal("encode: %s", err)
		}
		got := appendEventsResponse(nil, "ReadNextEventsResponse", page)
		if !bytes.Equal(got, want.Bytes()) {
			fmt.Printf("page of %d: fast path differs from the encoder\n got: %.300s\nwant: %.300s\n", len(page), got, want.Bytes())
			failed++
		}
	}
	t0 = time.Now()
	var page []byte
	for i := 0; i < 200; i++ {
		page = appendEventsResponse(page[:0], "ReadNextEventsResponse", stored[:500])
	}
	fmt.Printf("wire: pages compared; mixed page render %.2f µs/event\n", float64(time.Since(t0).Microseconds())/(200*500))

	for why, n := range randomRetries {
		fmt.Printf("  redrawn %d x: %.200s\n", n, why)
	}
	if failed > 0 {
		os.Exit(1)
	}
}
