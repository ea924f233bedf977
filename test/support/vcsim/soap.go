package main

// The SOAP front: an http.Handler in front of the govmomi simulator's /sdk handler.
//
// It answers the EventManager, EventHistoryCollector and CurrentTime calls itself (the
// store and collectors in store.go/collector.go) and forwards everything else to the
// simulator unchanged. The simulator's EventManager object cannot be replaced (its
// internal callers type-assert it), so the front owns those calls instead. It tracks
// sessions from the simulator's Login/Logout answers and injects failures.

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

var sessionManagerRef = types.ManagedObjectReference{Type: "SessionManager", Value: "SessionManager"}

// ---- sessions ----

type sessionInfo struct {
	key                string
	user               string
	ip                 string
	userAgent          string
	loginTime          time.Time
	calls              int64
	propertyCollectors []types.ManagedObjectReference // created with CreatePropertyCollector

	// serial runs the session's forwarded calls one at a time (see soapFront.ServeHTTP).
	serial sync.Mutex
}

type sessionTable struct {
	mu sync.Mutex
	m  map[string]*sessionInfo
}

func (t *sessionTable) get(key string) *sessionInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.m[key]
	if s != nil {
		s.calls++
	}
	return s
}

// peek returns a session without counting a call.
func (t *sessionTable) peek(key string) *sessionInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[key]
}

func (t *sessionTable) addCollector(s *sessionInfo, ref types.ManagedObjectReference) {
	t.mu.Lock()
	s.propertyCollectors = append(s.propertyCollectors, ref)
	t.mu.Unlock()
}

func (t *sessionTable) put(s *sessionInfo) {
	t.mu.Lock()
	t.m[s.key] = s
	t.mu.Unlock()
}

func (t *sessionTable) remove(key string) *sessionInfo {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.m[key]
	delete(t.m, key)
	return s
}

func (t *sessionTable) keys() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.m))
	for k := range t.m {
		out = append(out, k)
	}
	return out
}

func (t *sessionTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// ---- failure injection ----

type failInjector struct {
	mu     sync.Mutex
	count  int
	until  time.Time
	status int
}

func (f *failInjector) set(count int, seconds float64, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count, f.status, f.until = count, status, time.Time{}
	if seconds > 0 {
		f.count = 0
		f.until = time.Now().Add(time.Duration(seconds * float64(time.Second)))
	}
}

// take reports whether this request must fail, and with which status (0 = close the connection).
func (f *failInjector) take() (bool, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count > 0 {
		f.count--
		return true, f.status
	}
	if !f.until.IsZero() {
		if time.Now().Before(f.until) {
			return true, f.status
		}
		f.until = time.Time{}
	}
	return false, 0
}

// ---- the front ----

type soapFront struct {
	next          http.Handler
	store         *eventStore
	sessions      *sessionTable
	fail          *failInjector
	root          types.ManagedObjectReference
	requests      int64 // SOAP requests (since start or POST /reset)
	returned      int64 // events handed out by ReadNext/ReadPrevious/QueryEvents
	verbose       bool
	sessionEvents bool
	typeFunc      func(string) (reflect.Type, bool)
}

func newSOAPFront(next http.Handler, store *eventStore, root types.ManagedObjectReference) *soapFront {
	tf := types.TypeFunc()
	return &soapFront{
		next:     next,
		store:    store,
		sessions: &sessionTable{m: map[string]*sessionInfo{}},
		fail:     &failInjector{},
		root:     root,
		typeFunc: func(name string) (reflect.Type, bool) {
			if t, ok := tf(name); ok {
				return t, ok
			}
			if i := strings.IndexByte(name, ':'); i >= 0 { // e.g. ns1:TraversalSpec
				return tf(name[i+1:])
			}
			return nil, false
		},
	}
}

func (f *soapFront) requestCount() int64  { return atomic.LoadInt64(&f.requests) }
func (f *soapFront) returnedCount() int64 { return atomic.LoadInt64(&f.returned) }

func (f *soapFront) resetCounters() {
	atomic.StoreInt64(&f.requests, 0)
	atomic.StoreInt64(&f.returned, 0)
}

func isSDKPath(p string) bool {
	return p == "/sdk" || p == "/sdk/vimService"
}

// captureWriter records the status (and, when body is set, a copy) of a forwarded response.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   *bytes.Buffer
}

func (w *captureWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.body != nil {
		w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (f *soapFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isSDKPath(r.URL.Path) {
		f.next.ServeHTTP(w, r)
		return
	}
	atomic.AddInt64(&f.requests, 1)

	if fail, status := f.fail.take(); fail {
		f.injectFailure(w, r, status)
		return
	}
	if r.Method != http.MethodPost {
		f.next.ServeHTTP(w, r)
		return
	}

	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if f.verbose {
		log.Printf("request %s", body)
	}

	method, err := simulator.UnmarshalBody(f.typeFunc, body)
	if err == nil {
		if res := f.dispatch(r, method); res != nil {
			if eb, ok := res.(*eventsBody); ok {
				f.writeEvents(w, eb.name, eb.events)
			} else {
				f.writeResponse(w, res)
			}
			return
		}
	}

	// One forwarded call at a time per session, long polls aside. The 0.24 simulator's Logout
	// ranges over the session's object registry without its lock while the same session's
	// DestroyPropertyFilter/DestroyPropertyCollector delete from it, and a property collector
	// (nopLocker) lets those calls edit its filter list concurrently. A client that logs out
	// while its clean-up calls are still in flight (nodes/vcenter-in.ts closing with a short
	// time-out on a busy machine) then killed the process with "fatal error: concurrent map
	// iteration and map write": test/integration/vcenter-in_spec.js lost its test vCenter mid-suite.
	//
	// The simulator answers into a buffer while the lock is held, and the answer is written to the
	// client after it is released: a client that stops reading (a SIGSTOPped process, as
	// test/ha/high-availability_spec.js makes) must never hold the lock, nor what the simulator
	// holds while it answers, for every other client.
	var serial *sync.Mutex
	if err == nil && !isLongPoll(method.Name) {
		if s := f.sessions.peek(sessionCookie(r)); s != nil {
			serial = &s.serial
		}
	}

	// Forward to the simulator, then learn about sessions from the outcome.
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	out := w
	var rec *httptest.ResponseRecorder
	if serial != nil {
		rec = httptest.NewRecorder()
		out = rec
		serial.Lock()
	}
	cw := &captureWriter{ResponseWriter: out}
	if err == nil && method.Name == "CreatePropertyCollector" {
		cw.body = new(bytes.Buffer)
	}
	f.next.ServeHTTP(cw, r)
	if serial != nil {
		serial.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}
	if err == nil && cw.status == http.StatusOK {
		f.afterForward(w, r, method, cw.body)
	}
}

// isLongPoll names the calls that may wait for minutes; they only read the session's objects
// and must not hold up the session's other calls (CancelWaitForUpdates ends them).
func isLongPoll(method string) bool {
	switch method {
	case "WaitForUpdatesEx", "WaitForUpdates", "CheckForUpdates", "CancelWaitForUpdates":
		return true
	}
	return false
}

func (f *soapFront) injectFailure(w http.ResponseWriter, r *http.Request, status int) {
	if status == 0 {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tcp, ok := conn.(interface{ NetConn() net.Conn }); ok {
					if c, ok := tcp.NetConn().(*net.TCPConn); ok {
						_ = c.SetLinger(0) // reset rather than a clean close
					}
				}
				_ = conn.Close()
				return
			}
		}
		status = http.StatusServiceUnavailable
	}
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "vcsim: injected failure\n")
}

func sessionCookie(r *http.Request) string {
	if c, err := r.Cookie(soap.SessionCookieName); err == nil {
		return c.Value
	}
	return ""
}

// afterForward records sessions created or ended by a call the simulator answered.
func (f *soapFront) afterForward(w http.ResponseWriter, r *http.Request, method *simulator.Method, body *bytes.Buffer) {
	switch method.Name {
	case "CreatePropertyCollector":
		if m := pcRefPattern.FindSubmatch(body.Bytes()); m != nil {
			if s := f.sessions.peek(sessionCookie(r)); s != nil {
				f.sessions.addCollector(s, types.ManagedObjectReference{Type: "PropertyCollector", Value: string(m[1])})
			}
		}
	case "Login", "LoginByToken", "LoginExtensionByCertificate", "CloneSession":
		resp := http.Response{Header: w.Header()}
		for _, c := range resp.Cookies() {
			if c.Name != soap.SessionCookieName {
				continue
			}
			s := &sessionInfo{
				key:       c.Value,
				ip:        strings.Split(r.RemoteAddr, ":")[0],
				userAgent: r.UserAgent(),
				loginTime: f.store.now(),
			}
			if login, ok := method.Body.(*types.Login); ok {
				s.user = login.UserName
			}
			f.sessions.put(s)
			if f.sessionEvents {
				f.store.post([]types.BaseEvent{&types.UserLoginSessionEvent{
					SessionEvent: types.SessionEvent{Event: types.Event{
						UserName:             s.user,
						FullFormattedMessage: fmt.Sprintf("User %s@%s logged in as %s", s.user, s.ip, s.userAgent),
					}},
					IpAddress: s.ip, UserAgent: s.userAgent, Locale: "en_US", SessionId: s.key,
				}}, nil, 1, s.user)
			}
		}
	case "Logout":
		if s := f.endSession(sessionCookie(r)); s != nil && f.sessionEvents {
			login := s.loginTime
			f.store.post([]types.BaseEvent{&types.UserLogoutSessionEvent{
				SessionEvent: types.SessionEvent{Event: types.Event{
					UserName:             s.user,
					FullFormattedMessage: fmt.Sprintf("User %s@%s logged out (login time: %s, number of API invocations: %d, user agent: %s)", s.user, s.ip, login.Format(time.RFC3339), s.calls, s.userAgent),
				}},
				IpAddress: s.ip, UserAgent: s.userAgent, CallCount: s.calls, SessionId: s.key, LoginTime: &login,
			}}, nil, 1, s.user)
		}
	case "TerminateSession":
		if req, ok := method.Body.(*types.TerminateSession); ok {
			for _, id := range req.SessionId {
				f.endSession(id)
			}
		}
	}
}

// endSession forgets a session and destroys its collectors. The simulator itself keeps the
// property collectors of a session that did not log out registered as update listeners;
// drop those too.
func (f *soapFront) endSession(key string) *sessionInfo {
	s := f.sessions.remove(key)
	for _, c := range f.store.removeSession(key) {
		simulator.Map.Remove(c.Self)
	}
	if s != nil {
		f.sessions.mu.Lock()
		pcs := s.propertyCollectors
		f.sessions.mu.Unlock()
		for _, ref := range pcs {
			simulator.Map.RemoveHandler(listenerRef{ref})
		}
	}
	return s
}

var pcRefPattern = regexp.MustCompile(`<returnval type="PropertyCollector">([^<]+)</returnval>`)

// listenerRef names a registered update listener, to unregister it.
type listenerRef struct{ ref types.ManagedObjectReference }

func (l listenerRef) Reference() types.ManagedObjectReference         { return l.ref }
func (listenerRef) PutObject(mo.Reference)                            {}
func (listenerRef) UpdateObject(mo.Reference, []types.PropertyChange) {}
func (listenerRef) RemoveObject(types.ManagedObjectReference)         {}

// expireSessions invalidates every session, in the front and in the simulator.
func (f *soapFront) expireSessions() int {
	keys := map[string]bool{}
	for _, k := range f.sessions.keys() {
		keys[k] = true
	}
	probe := &simulator.Session{Registry: simulator.NewRegistry()}
	if sm, ok := probe.Get(sessionManagerRef).(*simulator.SessionManager); ok {
		for _, s := range sm.SessionList {
			keys[s.Key] = true
		}
	}
	ctx := &simulator.Context{Session: &simulator.Session{UserSession: types.UserSession{Key: "vcsim-control"}}}
	n := 0
	for k := range keys {
		f.endSession(k)
		simulator.Map.SessionManager().TerminateSession(ctx, &types.TerminateSession{SessionId: []string{k}})
		n++
	}
	// Every session is gone, so is whoever listened on the shared default property collector.
	pc := types.ManagedObjectReference{Type: "PropertyCollector", Value: "propertyCollector"}
	simulator.Map.RemoveHandler(listenerRef{pc})
	return n
}

func notAuthenticated(this types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault("The session is not authenticated.", &types.NotAuthenticated{
		NoPermission: types.NoPermission{Object: this, PrivilegeId: "System.View"},
	})
}

func invalidMaxCount() *soap.Fault {
	return simulator.Fault("A specified parameter was not correct: maxCount", &types.InvalidArgument{InvalidProperty: "maxCount"})
}

func notFound(ref types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault(fmt.Sprintf("The object '%s' has already been deleted or has not been completely created", ref), &types.ManagedObjectNotFound{Obj: ref})
}

// faultBody carries a fault for any method.
type faultBody struct{ fault *soap.Fault }

func (b *faultBody) Fault() *soap.Fault { return b.fault }

func faultOf(f *soap.Fault) soap.HasFault { return &faultBody{f} }

// dispatch answers the calls the front owns; nil means forward to the simulator.
func (f *soapFront) dispatch(r *http.Request, m *simulator.Method) soap.HasFault {
	var owned bool
	switch m.This.Type {
	case "EventManager":
		switch m.Name {
		case "CreateCollectorForEvents", "QueryEvents", "PostEvent", "LogUserEvent":
			owned = true
		}
	case "EventHistoryCollector":
		owned = true
	case "ServiceInstance":
		owned = m.Name == "CurrentTime"
	}
	if !owned {
		return nil
	}

	sess := f.sessions.get(sessionCookie(r))
	if sess == nil {
		return faultOf(notAuthenticated(m.This))
	}

	switch req := m.Body.(type) {
	case *types.CurrentTime:
		return &methods.CurrentTimeBody{Res: &types.CurrentTimeResponse{Returnval: f.store.now()}}
	case *types.CreateCollectorForEvents:
		return f.createCollector(sess, req)
	case *types.QueryEvents:
		size := maxPageSize
		if req.Filter.MaxCount != 0 {
			n, ok := validPageSize(req.Filter.MaxCount)
			if !ok {
				return faultOf(invalidMaxCount())
			}
			size = n
		}
		events := f.store.newest(compileFilter(&req.Filter, f.root), size)
		atomic.AddInt64(&f.returned, int64(len(events)))
		return &methods.QueryEventsBody{Res: &types.QueryEventsResponse{Returnval: events}}
	case *types.PostEvent:
		if req.EventToPost == nil {
			return faultOf(simulator.Fault("A specified parameter was not correct: eventToPost", &types.InvalidArgument{InvalidProperty: "eventToPost"}))
		}
		formatMessage(req.EventToPost)
		f.store.post([]types.BaseEvent{req.EventToPost}, nil, 1, sess.user)
		return &methods.PostEventBody{Res: new(types.PostEventResponse)}
	case *types.LogUserEvent:
		ev := &types.GeneralUserEvent{
			GeneralEvent: types.GeneralEvent{
				Event:   types.Event{FullFormattedMessage: "User logged event: " + req.Msg},
				Message: req.Msg,
			},
			Entity: &types.ManagedEntityEventArgument{
				EntityEventArgument: types.EntityEventArgument{Name: entityName(req.Entity)},
				Entity:              req.Entity,
			},
		}
		f.store.post([]types.BaseEvent{ev}, nil, 1, sess.user)
		return &methods.LogUserEventBody{Res: new(types.LogUserEventResponse)}
	}

	// EventHistoryCollector methods.
	c := f.store.lookup(sess.key, m.This)
	if c == nil {
		return faultOf(notFound(m.This))
	}
	s := f.store
	switch req := m.Body.(type) {
	case *types.ReadNextEvents:
		if req.MaxCount <= 0 || req.MaxCount > maxPageSize {
			return faultOf(invalidMaxCount())
		}
		s.mu.Lock()
		events := c.readNext(int(req.MaxCount))
		s.mu.Unlock()
		atomic.AddInt64(&f.returned, int64(len(events)))
		return &eventsBody{"ReadNextEventsResponse", events}
	case *types.ReadPreviousEvents:
		if req.MaxCount <= 0 || req.MaxCount > maxPageSize {
			return faultOf(invalidMaxCount())
		}
		s.mu.Lock()
		events := c.readPrevious(int(req.MaxCount))
		s.mu.Unlock()
		atomic.AddInt64(&f.returned, int64(len(events)))
		return &eventsBody{"ReadPreviousEventsResponse", events}
	case *types.SetCollectorPageSize:
		size, ok := validPageSize(req.MaxCount)
		if !ok {
			return faultOf(invalidMaxCount())
		}
		s.mu.Lock()
		c.pageSize = size
		c.fillLatest()
		change := []latestChange{{c, c.latestPage()}}
		s.publishMu.Lock()
		s.mu.Unlock()
		if s.publish != nil {
			s.publish(change)
		}
		s.publishMu.Unlock()
		return &methods.SetCollectorPageSizeBody{Res: new(types.SetCollectorPageSizeResponse)}
	case *types.ResetCollector:
		s.mu.Lock()
		c.reset()
		s.mu.Unlock()
		return &methods.ResetCollectorBody{Res: new(types.ResetCollectorResponse)}
	case *types.RewindCollector:
		s.mu.Lock()
		c.rewind()
		s.mu.Unlock()
		return &methods.RewindCollectorBody{Res: new(types.RewindCollectorResponse)}
	case *types.DestroyCollector:
		s.removeCollector(c)
		simulator.Map.Remove(c.Self)
		return &methods.DestroyCollectorBody{Res: new(types.DestroyCollectorResponse)}
	}
	return faultOf(simulator.Fault(fmt.Sprintf("%s does not implement: %s", m.This, m.Name),
		&types.MethodNotFound{Receiver: m.This, Method: m.Name}))
}

func (f *soapFront) createCollector(sess *sessionInfo, req *types.CreateCollectorForEvents) soap.HasFault {
	ref := types.ManagedObjectReference{
		Type:  "EventHistoryCollector",
		Value: fmt.Sprintf("session[%s]%s", sess.key, uuid.New()),
	}
	c, fault := f.store.createCollector(sess.key, req.Filter, f.root, ref)
	switch fault.(type) {
	case nil:
	case *types.InvalidArgument:
		return faultOf(invalidMaxCount())
	case *types.InvalidState:
		return faultOf(simulator.Fault("The operation is not allowed in the current state: too many event collectors for this session", fault))
	default:
		return faultOf(simulator.Fault("", fault))
	}
	simulator.Map.Put(c) // visible to the property collector (latestPage, filter)
	return &methods.CreateCollectorForEventsBody{Res: &types.CreateCollectorForEventsResponse{Returnval: ref}}
}

// publishLatest pushes latestPage changes to the simulator's property collectors.
func publishLatest(changes []latestChange) {
	for _, ch := range changes {
		simulator.Map.Update(ch.c, []types.PropertyChange{{Name: "latestPage", Val: ch.page}})
	}
}

func entityName(ref types.ManagedObjectReference) string {
	if e, ok := simulator.Map.Get(ref).(mo.Entity); ok {
		return e.Entity().Name
	}
	return ref.Value
}

// ---- response encoding (the simulator's own envelope, so answers look identical) ----

type soapEnvelope struct {
	XMLName xml.Name    `xml:"soapenv:Envelope"`
	Enc     string      `xml:"xmlns:soapenc,attr"`
	Env     string      `xml:"xmlns:soapenv,attr"`
	XSD     string      `xml:"xmlns:xsd,attr"`
	XSI     string      `xml:"xmlns:xsi,attr"`
	Body    interface{} `xml:"soapenv:Body"`
}

type faultDetail struct {
	Fault types.AnyType
}

type soapFault struct {
	XMLName xml.Name `xml:"soapenv:Fault"`
	Code    string   `xml:"faultcode"`
	String  string   `xml:"faultstring"`
	Detail  struct {
		Fault *faultDetail
	} `xml:"detail"`
}

// MarshalXML renames the detail element from "Fault" to "${Type}Fault".
func (d *faultDetail) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	kind := reflect.TypeOf(d.Fault).Elem().Name()
	start.Name.Local = kind + "Fault"
	start.Attr = append(start.Attr,
		xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: "urn:vim25"},
		xml.Attr{Name: xml.Name{Local: "xsi:type"}, Value: kind})
	return e.EncodeElement(d.Fault, start)
}

type response struct {
	Body soap.HasFault
}

func (r *response) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	val := reflect.ValueOf(r.Body).Elem().FieldByName("Res")
	res := xml.StartElement{Name: xml.Name{Space: "urn:vim25", Local: val.Elem().Type().Name()}}
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := e.EncodeElement(val.Interface(), res); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

var bufPool = sync.Pool{New: func() interface{} { return new(bytes.Buffer) }}

// encodeResponse writes a SOAP answer (or fault) the way the simulator does.
func encodeResponse(buf *bytes.Buffer, res soap.HasFault) error {
	var body interface{}
	if fault := res.Fault(); fault != nil {
		body = struct{ Fault *soapFault }{&soapFault{
			Code:   fault.Code,
			String: fault.String,
			Detail: struct{ Fault *faultDetail }{&faultDetail{fault.Detail.Fault}},
		}}
	} else {
		body = &response{res}
	}
	buf.WriteString(xml.Header)
	e := xml.NewEncoder(buf)
	err := e.Encode(&soapEnvelope{
		Enc:  "http://schemas.xmlsoap.org/soap/encoding/",
		Env:  "http://schemas.xmlsoap.org/soap/envelope/",
		XSD:  "http://www.w3.org/2001/XMLSchema",
		XSI:  "http://www.w3.org/2001/XMLSchema-instance",
		Body: body,
	})
	if err == nil {
		err = e.Flush()
	}
	return err
}

func (f *soapFront) writeResponse(w http.ResponseWriter, res soap.HasFault) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := encodeResponse(buf, res); err != nil {
		log.Printf("encoding response: %s", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if f.verbose {
		log.Printf("response %s", buf.Bytes())
	}
	status := http.StatusOK
	if res.Fault() != nil {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
