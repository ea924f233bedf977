package main

// EventHistoryCollector with the documented vSphere semantics (the 0.24 simulator's own
// collector ignores the time filter, pages newest-first and never tails):
//
//   - the scrollable view is every stored event matching the filter, oldest to newest;
//   - a new collector is rewound: its cursor sits before the oldest matching event;
//   - ReadNextEvents returns oldest->newest and moves the cursor forward; when caught up
//     it returns nothing, and later calls return events posted since (tailing);
//   - ReadPreviousEvents returns newer->older from the cursor and moves it back, so a
//     following ReadNextEvents returns the same events again;
//   - ResetCollector puts the cursor just before the latest page, RewindCollector before
//     the oldest matching event;
//   - latestPage is the newest pageSize matching events, newest first (as govmomi's
//     event tailer expects), published through the property collector on every change.
//
// The cursor is a sequence number into the chronological store, so reads cost
// O(events returned + non-matching events skipped), independent of the store size.

import (
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const (
	defaultPageSize = 10
	maxPageSize     = 1000
)

// eventFilter is a compiled EventFilterSpec.
type eventFilter struct {
	begin, end *time.Time
	typeIDs    map[string]bool // eventTypeId[]
	classes    map[string]bool // type[]: the class or one of its base classes
	chainID    int32
	users      map[string]bool
	systemUser bool
	byUser     bool
	categories map[string]bool

	entity      types.ManagedObjectReference
	recursion   types.EventFilterSpecRecursionOption
	allEntities bool // root folder with recursion all (or self): everything matches
	byEntity    bool
}

func stringSet(list []string) map[string]bool {
	if len(list) == 0 {
		return nil
	}
	m := make(map[string]bool, len(list))
	for _, s := range list {
		m[s] = true
	}
	return m
}

func compileFilter(spec *types.EventFilterSpec, root types.ManagedObjectReference) *eventFilter {
	f := &eventFilter{
		typeIDs:    stringSet(spec.EventTypeId),
		classes:    stringSet(spec.Type),
		chainID:    spec.EventChainId,
		categories: stringSet(spec.Category),
	}
	if spec.Time != nil {
		f.begin, f.end = spec.Time.BeginTime, spec.Time.EndTime
	}
	if spec.UserName != nil {
		f.byUser = true
		f.systemUser = spec.UserName.SystemUser
		f.users = stringSet(spec.UserName.UserList)
	}
	if spec.Entity != nil {
		f.entity = spec.Entity.Entity
		f.recursion = types.EventFilterSpecRecursionOption(spec.Entity.Recursion)
		if f.recursion == "" {
			f.recursion = types.EventFilterSpecRecursionOptionAll
		}
		f.byEntity = !(f.entity == root && f.recursion != types.EventFilterSpecRecursionOptionChildren)
	}
	return f
}

// matches applies every part of the filter except the begin-time cursor bound.
func (f *eventFilter) matches(se *storedEvent) bool {
	if f.typeIDs != nil && !f.typeIDs[se.typeID] {
		return false
	}
	if f.classes != nil && !classMatches(se, f.classes) {
		return false
	}
	if f.begin != nil && se.created.Before(*f.begin) {
		return false
	}
	if f.end != nil && se.created.After(*f.end) {
		return false
	}
	e := se.ev.GetEvent()
	if f.chainID != 0 && e.ChainId != f.chainID {
		return false
	}
	if f.byUser && !(f.users[e.UserName] || (f.systemUser && e.UserName == "")) {
		return false
	}
	if f.categories != nil && !f.categories[eventCategory(se)] {
		return false
	}
	if f.byEntity && !entityMatches(se.ev, f.entity, f.recursion) {
		return false
	}
	return true
}

var baseClassCache sync.Map // class -> []string (class and its base classes)

func classMatches(se *storedEvent, classes map[string]bool) bool {
	chain, ok := baseClassCache.Load(se.class)
	if !ok {
		var names []string
		t := reflectElem(se.ev)
		for {
			names = append(names, t.Name())
			if t.NumField() == 0 || !t.Field(0).Anonymous {
				break
			}
			t = t.Field(0).Type
		}
		baseClassCache.Store(se.class, names)
		chain = names
	}
	for _, name := range chain.([]string) {
		if classes[name] {
			return true
		}
	}
	return false
}

var (
	categoryOnce sync.Once
	categories   map[string]string
)

// eventCategory is the event's severity category: EventEx.severity, "user" for user
// events, else the category in the simulator's event descriptions (default "info").
func eventCategory(se *storedEvent) string {
	switch e := se.ev.(type) {
	case *types.EventEx:
		if e.Severity != "" {
			return e.Severity
		}
	case *types.GeneralUserEvent:
		return "user"
	}
	categoryOnce.Do(func() {
		categories = map[string]string{}
		for _, info := range simulator.Map.EventManager().Description.EventInfo {
			categories[info.Key] = info.Category
		}
	})
	if c := categories[se.class]; c != "" {
		return c
	}
	return "info"
}

// entityRefs lists the entity arguments of an event.
func entityRefs(ev types.BaseEvent) []types.ManagedObjectReference {
	e := ev.GetEvent()
	var refs []types.ManagedObjectReference
	if e.Datacenter != nil {
		refs = append(refs, e.Datacenter.Datacenter)
	}
	if e.ComputeResource != nil {
		refs = append(refs, e.ComputeResource.ComputeResource)
	}
	if e.Host != nil {
		refs = append(refs, e.Host.Host)
	}
	if e.Vm != nil {
		refs = append(refs, e.Vm.Vm)
	}
	if e.Ds != nil {
		refs = append(refs, e.Ds.Datastore)
	}
	if e.Net != nil {
		refs = append(refs, e.Net.Network)
	}
	if e.Dvs != nil {
		refs = append(refs, e.Dvs.Dvs)
	}
	return refs
}

type ancestry struct {
	at   time.Time
	refs []types.ManagedObjectReference
}

var ancestryCache sync.Map // ManagedObjectReference -> ancestry; entries live 2 s (VMs can move)

// ancestors returns the inventory parents of ref (nearest first). A VM also counts its
// host's ancestors, so cluster and host filters see the events of the VMs they run.
func ancestors(ref types.ManagedObjectReference) []types.ManagedObjectReference {
	now := time.Now()
	if a, ok := ancestryCache.Load(ref); ok && now.Sub(a.(ancestry).at) < 2*time.Second {
		return a.(ancestry).refs
	}
	refs := walkAncestors(ref)
	ancestryCache.Store(ref, ancestry{now, refs})
	return refs
}

func walkAncestors(ref types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	seen := map[types.ManagedObjectReference]bool{}
	var walk func(types.ManagedObjectReference)
	walk = func(r types.ManagedObjectReference) {
		for i := 0; i < 32; i++ {
			obj := simulator.Map.Get(r)
			if obj == nil {
				return
			}
			if vm, ok := obj.(*simulator.VirtualMachine); ok && vm.Runtime.Host != nil && !seen[*vm.Runtime.Host] {
				seen[*vm.Runtime.Host] = true
				out = append(out, *vm.Runtime.Host)
				walk(*vm.Runtime.Host)
			}
			ent, ok := obj.(mo.Entity)
			if !ok || ent.Entity().Parent == nil {
				return
			}
			r = *ent.Entity().Parent
			if seen[r] {
				return
			}
			seen[r] = true
			out = append(out, r)
		}
	}
	walk(ref)
	return out
}

func entityMatches(ev types.BaseEvent, entity types.ManagedObjectReference, rec types.EventFilterSpecRecursionOption) bool {
	for _, ref := range entityRefs(ev) {
		if ref == entity && rec != types.EventFilterSpecRecursionOptionChildren {
			return true
		}
		switch rec {
		case types.EventFilterSpecRecursionOptionChildren:
			if obj, ok := simulator.Map.Get(ref).(mo.Entity); ok {
				if p := obj.Entity().Parent; p != nil && *p == entity {
					return true
				}
			}
		case types.EventFilterSpecRecursionOptionAll:
			for _, a := range ancestors(ref) {
				if a == entity {
					return true
				}
			}
		}
	}
	return false
}

// collector is one EventHistoryCollector. The embedded mo type must stay the first field:
// the simulator's property collector and Registry.Update find it by position.
type collector struct {
	mo.EventHistoryCollector

	store    *eventStore
	session  string
	spec     types.EventFilterSpec
	filter   *eventFilter
	lower    int64 // seq of the oldest event the view may contain (from beginTime)
	pos      int64 // cursor: ReadNext starts here, ReadPrevious just before it
	pageSize int

	ring  []*storedEvent // latest page, chronological ring buffer of pageSize
	head  int            // index of the oldest entry
	nring int
}

func validPageSize(n int32) (int, bool) {
	if n == 0 {
		return defaultPageSize, true
	}
	if n < 0 || n > maxPageSize {
		return 0, false
	}
	return int(n), true
}

// lowerBound is the first seq the view may contain. Caller holds store.mu.
func (c *collector) lowerBound() int64 {
	if vs := c.store.visibleStart(); vs > c.lower {
		return vs
	}
	return c.lower
}

func (c *collector) pushLatest(se *storedEvent) {
	if c.nring < c.pageSize {
		c.ring[(c.head+c.nring)%c.pageSize] = se
		c.nring++
		return
	}
	c.ring[c.head] = se
	c.head = (c.head + 1) % c.pageSize
}

// latestPage returns the latest page newest first. Caller holds store.mu.
func (c *collector) latestPage() []types.BaseEvent {
	page := make([]types.BaseEvent, 0, c.nring)
	lb := c.lowerBound()
	for i := c.nring - 1; i >= 0; i-- {
		se := c.ring[(c.head+i)%c.pageSize]
		if se.seq < lb {
			break // dropped from the store
		}
		page = append(page, se.ev)
	}
	return page
}

// fillLatest rebuilds the latest page by scanning back from the newest event. Caller holds store.mu (write).
func (c *collector) fillLatest() {
	c.ring = make([]*storedEvent, c.pageSize)
	c.head, c.nring = 0, 0
	var found []*storedEvent
	lb := c.lowerBound()
	for seq := c.store.nextSeq - 1; seq >= lb && len(found) < c.pageSize; seq-- {
		if se := c.store.get(seq); c.filter.matches(se) {
			found = append(found, se)
		}
	}
	for i := len(found) - 1; i >= 0; i-- {
		c.pushLatest(found[i])
	}
}

// readNext returns up to max matching events from the cursor, oldest first. Caller holds store.mu (write).
func (c *collector) readNext(max int) []*storedEvent {
	s := c.store
	seq := c.pos
	if lb := c.lowerBound(); seq < lb {
		seq = lb
	}
	var out []*storedEvent
	for seq < s.nextSeq && len(out) < max {
		se := s.get(seq)
		if c.filter.end != nil && se.created.After(*c.filter.end) {
			break // chronological: nothing later can match
		}
		seq++
		if c.filter.matches(se) {
			out = append(out, se)
		}
	}
	c.pos = seq
	return out
}

// readPrevious returns up to max matching events before the cursor, newest first. Caller holds store.mu (write).
func (c *collector) readPrevious(max int) []*storedEvent {
	s := c.store
	lb := c.lowerBound()
	seq := c.pos
	if seq > s.nextSeq {
		seq = s.nextSeq
	}
	var out []*storedEvent
	for seq > lb && len(out) < max {
		seq--
		if se := s.get(seq); c.filter.matches(se) {
			out = append(out, se)
		}
	}
	if seq < lb {
		seq = lb
	}
	c.pos = seq
	return out
}

// reset puts the cursor just before the latest page. Caller holds store.mu (write).
func (c *collector) reset() {
	c.pos = c.store.nextSeq
	lb := c.lowerBound()
	if c.nring > 0 {
		if oldest := c.ring[c.head].seq; oldest >= lb {
			c.pos = oldest
		} else {
			c.pos = lb
		}
	}
}

// rewind puts the cursor before the oldest matching event. Caller holds store.mu (write).
func (c *collector) rewind() {
	c.pos = c.lowerBound()
}

// Get gives the simulator's property collector a consistent view with latestPage filled.
func (c *collector) Get() mo.Reference {
	c.store.mu.RLock()
	defer c.store.mu.RUnlock()
	view := &mo.EventHistoryCollector{}
	view.Self = c.Self
	view.Filter = c.spec
	view.LatestPage = c.latestPage()
	return view
}

// createCollector validates the spec, registers a collector for the session and returns it.
// It returns a fault for an invalid page size or too many collectors.
func (s *eventStore) createCollector(session string, spec types.EventFilterSpec, root types.ManagedObjectReference, ref types.ManagedObjectReference) (*collector, types.BaseMethodFault) {
	size, ok := validPageSize(spec.MaxCount)
	if !ok {
		return nil, &types.InvalidArgument{InvalidProperty: "maxCount"}
	}
	c := &collector{
		store:    s,
		session:  session,
		spec:     spec,
		filter:   compileFilter(&spec, root),
		pageSize: size,
	}
	c.Self = ref
	c.Filter = spec

	s.mu.Lock()
	if len(s.bySession[session]) >= s.maxPerSession {
		s.mu.Unlock()
		return nil, &types.InvalidState{}
	}
	if c.filter.begin != nil {
		c.lower = s.seqAtTime(*c.filter.begin)
	}
	c.pos = c.lowerBound()
	c.fillLatest()
	s.collectors[ref] = c
	if s.bySession[session] == nil {
		s.bySession[session] = map[types.ManagedObjectReference]*collector{}
	}
	s.bySession[session][ref] = c
	s.mu.Unlock()
	return c, nil
}

// lookup returns the session's collector, or nil.
func (s *eventStore) lookup(session string, ref types.ManagedObjectReference) *collector {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.bySession[session][ref]
}

// removeCollector forgets one collector; the caller removes it from the simulator registry.
func (s *eventStore) removeCollector(c *collector) {
	s.mu.Lock()
	delete(s.collectors, c.Self)
	if m := s.bySession[c.session]; m != nil {
		delete(m, c.Self)
		if len(m) == 0 {
			delete(s.bySession, c.session)
		}
	}
	s.mu.Unlock()
}

// removeSession forgets every collector of a session and returns them.
func (s *eventStore) removeSession(session string) []*collector {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*collector
	for ref, c := range s.bySession[session] {
		delete(s.collectors, ref)
		out = append(out, c)
	}
	delete(s.bySession, session)
	return out
}

// collectorCounts returns the number of live collectors per session.
func (s *eventStore) collectorCounts() map[string]int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]int, len(s.bySession))
	for session, m := range s.bySession {
		out[session] = len(m)
	}
	return out
}

// newest returns up to n matching events, newest first (QueryEvents).
func (s *eventStore) newest(f *eventFilter, n int) []types.BaseEvent {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []types.BaseEvent
	for seq := s.nextSeq - 1; seq >= s.visibleStart() && len(out) < n; seq-- {
		if se := s.get(seq); f.matches(se) {
			out = append(out, se.ev)
		}
	}
	return out
}
