package main

// The control API: plain HTTP + JSON on the -control address, for tests and benchmarks.
//
//	POST /events          {"count":N,"mode":"mixed"|"random","seed":S,"types":[...],"sameTime":K,"safeInts":B}
//	GET  /events/golden   ?fromKey=k&count=n | ?last=n | ?all=1
//	POST /sessions/expire
//	POST /fail            {"count":N,"status":503} | {"seconds":S,"status":503} | {"count":0}
//	POST /clock           {"offsetSeconds":X}
//	POST /keys            {"next":K}
//	GET  /stats
//	POST /reset

import (
	"encoding/json"
	stdxml "encoding/xml"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

type control struct {
	store  *eventStore
	front  *soapFront
	shapes *shapes
	mux    *http.ServeMux
}

func newControl(store *eventStore, front *soapFront, sh *shapes) *control {
	c := &control{store: store, front: front, shapes: sh, mux: http.NewServeMux()}
	c.mux.HandleFunc("/events", c.postEvents)
	c.mux.HandleFunc("/events/golden", c.golden)
	c.mux.HandleFunc("/sessions/expire", c.expire)
	c.mux.HandleFunc("/fail", c.setFail)
	c.mux.HandleFunc("/clock", c.setClock)
	c.mux.HandleFunc("/keys", c.setKeys)
	c.mux.HandleFunc("/stats", c.stats)
	c.mux.HandleFunc("/reset", c.reset)
	return c
}

func (c *control) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mux.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, status int, format string, args ...interface{}) {
	writeJSON(w, status, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// decodeBody reads a JSON body (an empty body is an empty object).
func decodeBody(w http.ResponseWriter, r *http.Request, v interface{}) bool {
	if r.Method != http.MethodPost {
		httpError(w, http.StatusMethodNotAllowed, "use POST")
		return false
	}
	if r.ContentLength == 0 {
		return true
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		httpError(w, http.StatusBadRequest, "invalid JSON body: %s", err)
		return false
	}
	return true
}

type keyTime struct {
	Key         int32  `json:"key"`
	CreatedTime string `json:"createdTime"`
}

func toKeyTime(se *storedEvent) *keyTime {
	return &keyTime{Key: se.key, CreatedTime: se.created.Format(time.RFC3339Nano)}
}

func (c *control) postEvents(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Count    int      `json:"count"`
		Mode     string   `json:"mode"`
		Seed     int64    `json:"seed"`
		Types    []string `json:"types"`
		SameTime int      `json:"sameTime"`
		SafeInts bool     `json:"safeInts"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Count < 0 || req.Count > 10000000 {
		httpError(w, http.StatusBadRequest, "count must be 0..10000000")
		return
	}
	if req.SameTime < 1 {
		req.SameTime = 1
	}
	now := c.store.now()
	var events []types.BaseEvent
	var tmpls []*wireTemplate
	var err error
	switch req.Mode {
	case "", "mixed":
		var specs []shapeSpec
		if specs, err = parseShapeList(req.Types); err == nil {
			events, tmpls, err = c.shapes.mixed(specs, req.Count, now)
		}
	case "random":
		events, err = randomEvents(req.Seed, req.Count, req.Types, req.SafeInts)
	default:
		err = fmt.Errorf("mode must be \"mixed\" or \"random\"")
	}
	if err != nil {
		httpError(w, http.StatusBadRequest, "%s", err)
		return
	}

	// Post in chunks so readers are not blocked for the whole batch; a chunk is a
	// multiple of sameTime so groups sharing a createdTime are never split.
	chunk := 2000
	if req.SameTime > 1 {
		chunk = (chunk/req.SameTime + 1) * req.SameTime
	}
	var first, last *storedEvent
	for i := 0; i < len(events); i += chunk {
		end := i + chunk
		if end > len(events) {
			end = len(events)
		}
		var chunkTmpls []*wireTemplate
		if tmpls != nil {
			chunkTmpls = tmpls[i:end]
		}
		stored := c.store.post(events[i:end], chunkTmpls, req.SameTime, "")
		if first == nil && len(stored) > 0 {
			first = stored[0]
		}
		if len(stored) > 0 {
			last = stored[len(stored)-1]
		}
	}
	res := map[string]interface{}{"count": len(events), "first": nil, "last": nil}
	if first != nil {
		res["first"], res["last"] = toKeyTime(first), toKeyTime(last)
	}
	writeJSON(w, http.StatusOK, res)
}

type goldenEntry struct {
	Key   int32  `json:"key"`
	Class string `json:"class"`
	JSON  string `json:"json"`
	XML   string `json:"xml"`
}

func (c *control) golden(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var fromKey *int32
	count, last := 0, 0
	if s := q.Get("fromKey"); s != "" {
		k, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			httpError(w, http.StatusBadRequest, "fromKey: %s", err)
			return
		}
		k32 := int32(k)
		fromKey = &k32
	}
	if s := q.Get("count"); s != "" {
		count, _ = strconv.Atoi(s)
	}
	if s := q.Get("last"); s != "" {
		last, _ = strconv.Atoi(s)
	}
	if fromKey == nil && last == 0 && q.Get("all") == "" {
		httpError(w, http.StatusBadRequest, "give fromKey (and count), last or all=1")
		return
	}
	events := c.store.snapshot(fromKey, count, last)

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("["))
	for i, se := range events {
		j, err := json.Marshal(se.ev)
		if err != nil {
			j = []byte(fmt.Sprintf("json error: %s", err))
		}
		x, err := stdxml.Marshal(se.ev)
		if err != nil {
			x = []byte(fmt.Sprintf("xml error: %s", err))
		}
		entry, _ := json.Marshal(goldenEntry{Key: se.key, Class: se.class, JSON: string(j), XML: string(x)})
		if i > 0 {
			_, _ = w.Write([]byte(",\n"))
		}
		_, _ = w.Write(entry)
	}
	_, _ = w.Write([]byte("]\n"))
}

func (c *control) expire(w http.ResponseWriter, r *http.Request) {
	if !decodeBody(w, r, &struct{}{}) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"expired": c.front.expireSessions()})
}

func (c *control) setFail(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Count   int     `json:"count"`
		Seconds float64 `json:"seconds"`
		Status  *int    `json:"status"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	status := http.StatusServiceUnavailable
	if req.Status != nil {
		status = *req.Status
	}
	if status != 0 && (status < 100 || status > 599) {
		httpError(w, http.StatusBadRequest, "status must be 0 (close the connection) or 100..599")
		return
	}
	c.front.fail.set(req.Count, req.Seconds, status)
	writeJSON(w, http.StatusOK, map[string]interface{}{"count": req.Count, "seconds": req.Seconds, "status": status})
}

func (c *control) setClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		OffsetSeconds float64 `json:"offsetSeconds"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	c.store.setOffset(time.Duration(req.OffsetSeconds * float64(time.Second)))
	writeJSON(w, http.StatusOK, map[string]interface{}{"offsetSeconds": req.OffsetSeconds, "now": c.store.now().Format(time.RFC3339Nano)})
}

func (c *control) setKeys(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Next *int64 `json:"next"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Next == nil || *req.Next < math.MinInt32 || *req.Next > math.MaxInt32 {
		httpError(w, http.StatusBadRequest, "next must be an int32")
		return
	}
	c.store.setNextKey(int32(*req.Next))
	writeJSON(w, http.StatusOK, map[string]int64{"next": *req.Next})
}

func (c *control) stats(w http.ResponseWriter, r *http.Request) {
	st := c.store.stats()
	bySession := c.store.collectorCounts()
	collectors := 0
	for _, n := range bySession {
		collectors += n
	}
	res := map[string]interface{}{
		"sessions":            c.front.sessions.len(),
		"collectors":          collectors,
		"events":              st.events,
		"requests":            c.front.requestCount(),
		"returned":            c.front.returnedCount(),
		"lastKey":             nil,
		"collectorsBySession": bySession,
		"now":                 c.store.now().Format(time.RFC3339Nano),
	}
	if st.hasLast {
		res["lastKey"] = st.lastKey
	}
	writeJSON(w, http.StatusOK, res)
}

func (c *control) reset(w http.ResponseWriter, r *http.Request) {
	if !decodeBody(w, r, &struct{}{}) {
		return
	}
	expired := c.front.expireSessions()
	c.store.clear()
	c.store.setOffset(0)
	c.front.fail.set(0, 0, 0)
	c.front.resetCounters()
	writeJSON(w, http.StatusOK, map[string]interface{}{"ok": true, "sessionsExpired": expired})
}
