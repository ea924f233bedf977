package main

// Random events for POST /events mode "random": instances of random classes drawn from
// every govmomi type that embeds types.Event, with every field filled by reflection,
// recursively (bounded depth). Each event is round-tripped through the SOAP encoding so
// the stored value is exactly what a govmomi client decodes from the wire; events whose
// round trip or golden encoding fails are replaced by another draw.

import (
	"bytes"
	"encoding/json"
	stdxml "encoding/xml"
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// ---- the type universe ----

type universe struct {
	structs    []reflect.Type // every registered struct type, by name
	events     []reflect.Type // those whose pointer implements types.BaseEvent
	dataObjs   []reflect.Type // those embedding DynamicData (for AnyType values)
	mu         sync.RWMutex
	implements map[reflect.Type][]reflect.Type
}

var (
	universeOnce sync.Once
	theUniverse  *universe
)

func getUniverse() *universe {
	universeOnce.Do(func() {
		u := &universe{implements: map[reflect.Type][]reflect.Type{}}
		tf := types.TypeFunc()
		seen := map[reflect.Type]bool{}
		dynamic := reflect.TypeOf((*types.BaseDynamicData)(nil)).Elem()
		for _, name := range govmomiTypeNames {
			t, ok := tf(name)
			if !ok || t.Kind() != reflect.Struct || seen[t] || t.Name() != name {
				continue
			}
			seen[t] = true
			u.structs = append(u.structs, t)
			p := reflect.PtrTo(t)
			if p.Implements(eventIface) {
				u.events = append(u.events, t)
			}
			if p.Implements(dynamic) && t.Name() != "DynamicData" {
				u.dataObjs = append(u.dataObjs, t)
			}
		}
		sort.Slice(u.structs, func(i, j int) bool { return u.structs[i].Name() < u.structs[j].Name() })
		sort.Slice(u.events, func(i, j int) bool { return u.events[i].Name() < u.events[j].Name() })
		sort.Slice(u.dataObjs, func(i, j int) bool { return u.dataObjs[i].Name() < u.dataObjs[j].Name() })
		theUniverse = u
	})
	return theUniverse
}

// implementers lists the struct types whose pointer implements iface, by name.
func (u *universe) implementers(iface reflect.Type) []reflect.Type {
	u.mu.RLock()
	list, ok := u.implements[iface]
	u.mu.RUnlock()
	if ok {
		return list
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if list, ok := u.implements[iface]; ok {
		return list
	}
	for _, t := range u.structs {
		if reflect.PtrTo(t).Implements(iface) {
			list = append(list, t)
		}
	}
	u.implements[iface] = list
	return list
}

// ---- filling values ----

const randomMaxDepth = 4

// randomRetries counts why drawn events were replaced (reported by selfcheck).
var (
	retryMu       sync.Mutex
	randomRetries = map[string]int{}
)

// runes a random string is made of: ASCII, XML and JSON specials, 2/3/4-byte UTF-8,
// U+2028, tab, newline and carriage return. All are legal XML characters.
var randomRunes = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-./:" +
	"\"'<>&\\" + "äöüßéñ" + "日本語✓€" + "😀🚀" + "\u2028\u00a0\t\n\r")

var moTypes = []string{"VirtualMachine", "HostSystem", "Datastore", "Network", "Folder", "Datacenter",
	"ClusterComputeResource", "ResourcePool", "Task", "Alarm", "DistributedVirtualPortgroup"}

// randomEpoch anchors random times, so a seed always gives the same events.
var randomEpoch = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

type randomGen struct {
	r        *rand.Rand
	u        *universe
	safeInts bool
}

func (g *randomGen) string() string {
	n := g.r.Intn(13)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(randomRunes[g.r.Intn(len(randomRunes))])
	}
	return b.String()
}

func (g *randomGen) time() time.Time {
	// within about a year around randomEpoch, UTC, random nanoseconds (sometimes whole seconds)
	t := randomEpoch.Add(time.Duration(g.r.Int63n(int64(365*24*time.Hour))) - 180*24*time.Hour).Truncate(time.Second)
	if g.r.Intn(5) != 0 {
		t = t.Add(time.Duration(g.r.Intn(1e9)))
	}
	return t.UTC()
}

func (g *randomGen) int64() int64 {
	switch g.r.Intn(6) {
	case 0:
		return 0
	case 1:
		return -g.r.Int63n(1000)
	case 2:
		if !g.safeInts {
			v := g.r.Int63() // often above 2^53: not exact as a JavaScript number
			if g.r.Intn(2) == 0 {
				v = -v
			}
			return v
		}
		return g.r.Int63n(1 << 53)
	default:
		return g.r.Int63n(1 << 40)
	}
}

// fill sets v (settable) to a random value of its type.
func (g *randomGen) fill(v reflect.Value, depth int) {
	t := v.Type()
	switch t {
	case reflect.TypeOf(time.Time{}):
		v.Set(reflect.ValueOf(g.time()))
		return
	case reflect.TypeOf(types.ManagedObjectReference{}):
		kind := moTypes[g.r.Intn(len(moTypes))]
		v.Set(reflect.ValueOf(types.ManagedObjectReference{Type: kind, Value: fmt.Sprintf("%s-%d", strings.ToLower(kind[:2]), g.r.Intn(10000))}))
		return
	}

	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.PkgPath != "" { // unexported
				continue
			}
			if f.Anonymous {
				g.fill(v.Field(i), depth) // base class: same level
			} else if depth < randomMaxDepth {
				g.fill(v.Field(i), depth+1)
			}
		}
	case reflect.Ptr:
		if depth >= randomMaxDepth || g.r.Intn(10) < 2+depth {
			return // nil
		}
		p := reflect.New(t.Elem())
		g.fill(p.Elem(), depth)
		v.Set(p)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // []byte: printable, so the wire keeps it exactly
			n := g.r.Intn(9)
			if n == 0 {
				return
			}
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('!' + g.r.Intn(94))
			}
			v.SetBytes(b)
			return
		}
		max := 4 - depth
		if max < 1 || depth >= randomMaxDepth {
			return
		}
		n := g.r.Intn(max + 1)
		if n == 0 {
			return // nil: an empty list does not survive the wire
		}
		s := reflect.MakeSlice(t, n, n)
		for i := 0; i < n; i++ {
			g.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Interface:
		if depth >= randomMaxDepth || g.r.Intn(5) == 0 {
			return // nil
		}
		if t.NumMethod() == 0 {
			v.Set(reflect.ValueOf(g.anyValue(depth)))
			return
		}
		impl := g.u.implementers(t)
		if len(impl) == 0 {
			return
		}
		p := reflect.New(impl[g.r.Intn(len(impl))])
		g.fill(p.Elem(), depth)
		v.Set(p)
	case reflect.String:
		if values, ok := govmomiEnumValues[t.Name()]; ok && t.PkgPath() != "" {
			v.SetString(values[g.r.Intn(len(values))])
		} else {
			v.SetString(g.string())
		}
	case reflect.Bool:
		v.SetBool(g.r.Intn(2) == 0)
	case reflect.Int8:
		v.SetInt(int64(int8(g.r.Intn(256))))
	case reflect.Int16:
		v.SetInt(int64(int16(g.r.Intn(65536))))
	case reflect.Int32:
		v.SetInt(int64(int32(g.r.Uint32())))
	case reflect.Int, reflect.Int64:
		v.SetInt(g.int64())
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(g.r.Intn(1000)))
	case reflect.Float32:
		v.SetFloat(float64(float32(g.float())))
	case reflect.Float64:
		v.SetFloat(g.float())
	}
}

func (g *randomGen) float() float64 {
	switch g.r.Intn(4) {
	case 0:
		return float64(g.r.Intn(1000))
	case 1:
		return g.r.NormFloat64() * math.Pow(10, float64(g.r.Intn(40)-20))
	default:
		return g.r.Float64() * 100
	}
}

// anyValue is a value for an xsd:anyType field: a string, int32, bool or a data object.
func (g *randomGen) anyValue(depth int) interface{} {
	switch g.r.Intn(4) {
	case 0:
		return g.string()
	case 1:
		return int32(g.r.Uint32())
	case 2:
		return g.r.Intn(2) == 0
	default:
		if depth+1 >= randomMaxDepth {
			return g.string()
		}
		t := g.u.dataObjs[g.r.Intn(len(g.u.dataObjs))]
		p := reflect.New(t)
		g.fill(p.Elem(), depth+1)
		return p.Interface()
	}
}

// randomClass is one class to draw, with the eventTypeId to force for "EventEx:id" entries.
type randomClass struct {
	t      reflect.Type
	typeID string
}

// event draws one random event (not yet stored: key, chainId and createdTime are set by the store).
func (g *randomGen) event(classes []randomClass) types.BaseEvent {
	for attempt := 0; ; attempt++ {
		var c randomClass
		if len(classes) == 0 {
			c.t = g.u.events[g.r.Intn(len(g.u.events))]
		} else {
			c = classes[g.r.Intn(len(classes))]
		}
		t := c.t
		p := reflect.New(t)
		g.fill(p.Elem(), 0)
		if c.typeID != "" {
			p.Elem().FieldByName("EventTypeId").SetString(c.typeID)
		}
		ev := p.Interface().(types.BaseEvent)
		rt, err := roundTrip(ev)
		if err == nil {
			err = goldenCheck(rt)
		}
		if err == nil {
			return rt
		}
		retryMu.Lock()
		randomRetries[err.Error()]++
		retryMu.Unlock()
		if attempt > 50 {
			panic(fmt.Sprintf("random %s: %s", t.Name(), err))
		}
	}
}

// randomEvents makes count events from seed. classes restricts the draw (nil: all event
// classes). Event i is drawn from its own generator seeded by (seed, i), so the result is
// reproducible and the work spreads over all cores.
func randomEvents(seed int64, count int, classes []string, safeInts bool) ([]types.BaseEvent, error) {
	u := getUniverse()
	var restrict []randomClass
	if len(classes) > 0 {
		specs, err := parseShapeList(classes)
		if err != nil {
			return nil, err
		}
		for _, spec := range specs {
			t, _ := eventClass(spec.class)
			restrict = append(restrict, randomClass{t, spec.typeID})
		}
	}
	out := make([]types.BaseEvent, count)
	var next int64 = -1
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= int64(count) {
					return
				}
				r := rand.New(rand.NewSource(seed*1000003 + i))
				g := &randomGen{r: r, u: u, safeInts: safeInts}
				out[i] = g.event(restrict)
			}
		}()
	}
	wg.Wait()
	return out, nil
}

// ---- wire round trip ----

type wireEnvelope struct {
	XMLName xml.Name        `xml:"urn:vim25 ReadNextEventsResponse"`
	Event   types.BaseEvent `xml:"returnval,typeattr"`
}

// roundTrip encodes an event as the SOAP answer does and decodes it as a govmomi client
// does, returning the decoded copy.
func roundTrip(ev types.BaseEvent) (types.BaseEvent, error) {
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).Encode(&wireEnvelope{Event: ev}); err != nil {
		return nil, fmt.Errorf("encode: %s", err)
	}
	dec := xml.NewDecoder(&buf)
	dec.TypeFunc = types.TypeFunc()
	var out wireEnvelope
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("decode: %s", err)
	}
	if out.Event == nil {
		return nil, fmt.Errorf("decode: no event")
	}
	if reflect.TypeOf(out.Event) != reflect.TypeOf(ev) {
		return nil, fmt.Errorf("decode: %T became %T", ev, out.Event)
	}
	return out.Event, nil
}

// goldenCheck makes sure both golden encodings work and that the value is stable under
// another round trip (what is stored is what every later reader decodes).
func goldenCheck(ev types.BaseEvent) error {
	j1, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("json: %s", err)
	}
	if _, err := stdxml.Marshal(ev); err != nil {
		return fmt.Errorf("xml: %s", err)
	}
	again, err := roundTrip(ev)
	if err != nil {
		return err
	}
	j2, _ := json.Marshal(again)
	if !bytes.Equal(j1, j2) {
		return fmt.Errorf("unstable round trip")
	}
	return nil
}
