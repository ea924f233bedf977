package main

// The event store: every event the test vCenter knows, in chronological order.
//
// Events get an absolute sequence number (seq, int64, never reused) when stored; a
// collector's cursor is a seq, so ordering never depends on event keys, which are int32
// and wrap around. Only the newest maxEvents are visible; older ones are dropped.

import (
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

type storedEvent struct {
	seq     int64
	key     int32
	created time.Time
	ev      types.BaseEvent
	class   string                 // xsi:type, e.g. VmPoweredOnEvent
	typeID  string                 // what eventTypeId[] matches: EventTypeId for EventEx/ExtendedEvent, else class
	tmpl    *wireTemplate          // mixed mode: the shape's encoded template, see wire.go
	wire    atomic.Pointer[[]byte] // otherwise: encoded <returnval>, cached on first read
}

// latestChange is one latestPage property change to publish after the store lock is released.
type latestChange struct {
	c    *collector
	page []types.BaseEvent
}

type eventStore struct {
	mu sync.RWMutex

	events    []*storedEvent // events[i].seq == physBase+i; may hold dropped events until compacted
	physBase  int64
	nextSeq   int64
	maxEvents int
	nextKey   int32
	lastTime  time.Time
	offset    time.Duration // clock offset (POST /clock)

	collectors    map[types.ManagedObjectReference]*collector
	bySession     map[string]map[types.ManagedObjectReference]*collector
	maxPerSession int

	// publish is called with the latestPage changes of one post, in post order
	// (serialised by publishMu, which is taken before the store lock is released).
	publishMu sync.Mutex
	publish   func([]latestChange)
}

func newEventStore(maxEvents, maxPerSession int) *eventStore {
	return &eventStore{
		maxEvents:     maxEvents,
		nextKey:       1,
		collectors:    map[types.ManagedObjectReference]*collector{},
		bySession:     map[string]map[types.ManagedObjectReference]*collector{},
		maxPerSession: maxPerSession,
	}
}

// now is the simulator's clock: wall clock plus offset, UTC, nanoseconds.
func (s *eventStore) now() time.Time {
	s.mu.RLock()
	off := s.offset
	s.mu.RUnlock()
	return time.Now().UTC().Add(off)
}

func (s *eventStore) setOffset(d time.Duration) {
	s.mu.Lock()
	s.offset = d
	s.mu.Unlock()
}

func (s *eventStore) setNextKey(k int32) {
	s.mu.Lock()
	s.nextKey = k
	s.mu.Unlock()
}

// visibleStart is the seq of the oldest event still visible. Caller holds mu.
func (s *eventStore) visibleStart() int64 {
	start := s.nextSeq - int64(s.maxEvents)
	if start < s.physBase {
		start = s.physBase
	}
	return start
}

// get returns the event with the given seq, which must be in [physBase, nextSeq). Caller holds mu.
func (s *eventStore) get(seq int64) *storedEvent {
	return s.events[seq-s.physBase]
}

// seqAtTime is the seq of the first visible event created at or after t. Caller holds mu.
func (s *eventStore) seqAtTime(t time.Time) int64 {
	start := s.visibleStart()
	n := int(s.nextSeq - start)
	i := sort.Search(n, func(i int) bool {
		return !s.get(start + int64(i)).created.Before(t)
	})
	return start + int64(i)
}

var typeNameCache sync.Map // reflect.Type -> string

func className(ev types.BaseEvent) string {
	t := reflect.TypeOf(ev)
	if name, ok := typeNameCache.Load(t); ok {
		return name.(string)
	}
	name := t.Elem().Name()
	typeNameCache.Store(t, name)
	return name
}

func reflectElem(ev types.BaseEvent) reflect.Type { return reflect.TypeOf(ev).Elem() }

func eventTypeID(ev types.BaseEvent, class string) string {
	switch e := ev.(type) {
	case *types.EventEx:
		return e.EventTypeId
	case *types.ExtendedEvent:
		return e.EventTypeId
	}
	return class
}

// post stores events in order: it assigns key, chainId and createdTime (each group of
// sameTime consecutive events shares one createdTime), fills userName when empty and
// updates the latest pages of matching collectors. It returns the stored records.
// tmpls, when not nil, holds each event's wire template (mixed mode).
func (s *eventStore) post(evs []types.BaseEvent, tmpls []*wireTemplate, sameTime int, userName string) []*storedEvent {
	if sameTime < 1 {
		sameTime = 1
	}
	out := make([]*storedEvent, 0, len(evs))

	s.mu.Lock()
	var created time.Time
	for i, ev := range evs {
		if i%sameTime == 0 {
			created = time.Now().UTC().Add(s.offset)
			if created.Before(s.lastTime) {
				created = s.lastTime // never go back in time, even when the offset does
			}
			s.lastTime = created
		}
		e := ev.GetEvent()
		e.Key = s.nextKey
		e.ChainId = s.nextKey
		e.CreatedTime = created
		if e.UserName == "" {
			e.UserName = userName
		}
		s.nextKey++ // int32: wraps from 2147483647 to -2147483648
		class := className(ev)
		se := &storedEvent{
			seq:     s.nextSeq,
			key:     e.Key,
			created: created,
			ev:      ev,
			class:   class,
			typeID:  eventTypeID(ev, class),
		}
		if tmpls != nil {
			se.tmpl = tmpls[i]
		}
		s.nextSeq++
		s.events = append(s.events, se)
		out = append(out, se)
	}
	s.compact()

	var changes []latestChange
	for _, c := range s.collectors {
		changed := false
		for _, se := range out {
			if c.filter.matches(se) {
				c.pushLatest(se)
				changed = true
			}
		}
		if changed {
			changes = append(changes, latestChange{c, c.latestPage()})
		}
	}
	s.publishMu.Lock()
	s.mu.Unlock()
	if s.publish != nil && len(changes) > 0 {
		s.publish(changes)
	}
	s.publishMu.Unlock()
	return out
}

// compact drops invisible events from the physical slice once enough have accumulated. Caller holds mu.
func (s *eventStore) compact() {
	start := s.visibleStart()
	drop := start - s.physBase
	if drop == 0 || drop < int64(s.maxEvents/4)+1024 {
		return
	}
	kept := make([]*storedEvent, len(s.events)-int(drop), s.maxEvents+s.maxEvents/4+1024)
	copy(kept, s.events[drop:])
	s.events = kept
	s.physBase = start
}

// clear removes every event (keys continue; createdTime may restart from the clock).
func (s *eventStore) clear() {
	s.mu.Lock()
	s.events = nil
	s.physBase = s.nextSeq
	s.lastTime = time.Time{}
	s.mu.Unlock()
}

type storeStats struct {
	events  int
	lastKey int32
	hasLast bool
}

func (s *eventStore) stats() storeStats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := storeStats{events: int(s.nextSeq - s.visibleStart())}
	if st.events > 0 {
		st.lastKey = s.get(s.nextSeq - 1).key
		st.hasLast = true
	}
	return st
}

// snapshot returns the visible events in store order, from the first event whose key is
// fromKey (its newest occurrence, keys can repeat after POST /keys), at most count of them
// (count <= 0: all). With last > 0 it returns the newest last events instead.
func (s *eventStore) snapshot(fromKey *int32, count, last int) []*storedEvent {
	s.mu.RLock()
	defer s.mu.RUnlock()
	start, end := s.visibleStart(), s.nextSeq
	if last > 0 && end-int64(last) > start {
		start = end - int64(last)
	}
	if fromKey != nil {
		found := false
		for seq := end - 1; seq >= start; seq-- {
			if s.get(seq).key == *fromKey {
				start, found = seq, true
				break
			}
		}
		if !found {
			return nil
		}
	}
	if count > 0 && start+int64(count) < end {
		end = start + int64(count)
	}
	out := make([]*storedEvent, 0, end-start)
	for seq := start; seq < end; seq++ {
		out = append(out, s.get(seq))
	}
	return out
}
