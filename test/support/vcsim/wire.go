package main

// Fast path for event pages: a page is answered by concatenating each event's encoded
// <returnval> element (exactly the bytes govmomi's encoder writes inside a
// ReadNextEventsResponse). Mixed-mode events share their shape's encoded template and get
// key, chainId and createdTime spliced in when read; other events are encoded on first
// read and cached. selfcheck verifies the bytes equal the generic encoder's output.

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

const (
	envelopeOpen  = xml.Header + `<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`
	envelopeClose = `</soapenv:Body></soapenv:Envelope>`
	wrapperOpen   = `<ReadNextEventsResponse xmlns="urn:vim25">`
	wrapperClose  = `</ReadNextEventsResponse>`
)

type wireOne struct {
	XMLName xml.Name        `xml:"urn:vim25 ReadNextEventsResponse"`
	Event   types.BaseEvent `xml:"returnval,typeattr"`
}

// encodeWire returns the <returnval> element of one event.
func encodeWire(ev types.BaseEvent) []byte {
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).Encode(&wireOne{Event: ev}); err != nil {
		return nil
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte(wrapperOpen)) || !bytes.HasSuffix(b, []byte(wrapperClose)) {
		return nil
	}
	return append([]byte(nil), b[len(wrapperOpen):len(b)-len(wrapperClose)]...)
}

// appendWire appends the event's encoded element to b.
func (se *storedEvent) appendWire(b []byte) []byte {
	if se.tmpl != nil {
		return se.tmpl.appendRender(b, se.key, se.created)
	}
	return append(b, se.wireBytes()...)
}

// wireLen is the length of the encoded element (an upper bound for templates).
func (se *storedEvent) wireLen() int {
	if se.tmpl != nil {
		return len(se.tmpl.head) + len(se.tmpl.tail) + 96
	}
	return len(se.wireBytes())
}

// wireBytes returns (and caches) the event's encoded element.
func (se *storedEvent) wireBytes() []byte {
	if p := se.wire.Load(); p != nil {
		return *p
	}
	b := encodeWire(se.ev)
	se.wire.Store(&b)
	return b
}

// wireTemplate is an encoded event with its base fields cut out.
type wireTemplate struct {
	head, tail []byte // before <key>, after </createdTime>
}

var zeroBase = []byte("<key>0</key><chainId>0</chainId><createdTime>0001-01-01T00:00:00Z</createdTime>")

// newWireTemplate encodes ev with zero key, chainId and createdTime; nil if it cannot be spliced.
func newWireTemplate(ev types.BaseEvent) *wireTemplate {
	c := shallowCopy(ev)
	e := c.GetEvent()
	e.Key, e.ChainId, e.CreatedTime = 0, 0, time.Time{}
	b := encodeWire(c)
	i := bytes.Index(b, zeroBase)
	if i < 0 || bytes.Index(b[i+1:], zeroBase) >= 0 {
		return nil
	}
	return &wireTemplate{head: b[:i], tail: b[i+len(zeroBase):]}
}

// appendRender appends the event's element with its base fields to b.
func (t *wireTemplate) appendRender(b []byte, key int32, created time.Time) []byte {
	b = append(b, t.head...)
	b = append(b, "<key>"...)
	b = strconv.AppendInt(b, int64(key), 10)
	b = append(b, "</key><chainId>"...)
	b = strconv.AppendInt(b, int64(key), 10)
	b = append(b, "</chainId><createdTime>"...)
	b = created.AppendFormat(b, time.RFC3339Nano)
	b = append(b, "</createdTime>"...)
	return append(b, t.tail...)
}

// eventsBody is the answer of ReadNextEvents/ReadPreviousEvents, written by concatenation.
type eventsBody struct {
	name   string // ReadNextEventsResponse or ReadPreviousEventsResponse
	events []*storedEvent
}

func (*eventsBody) Fault() *soap.Fault { return nil }

// appendEventsResponse appends the whole SOAP answer to b.
func appendEventsResponse(b []byte, name string, events []*storedEvent) []byte {
	b = append(b, envelopeOpen...)
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, ` xmlns="urn:vim25">`...)
	for _, se := range events {
		b = se.appendWire(b)
	}
	b = append(b, "</"...)
	b = append(b, name...)
	b = append(b, '>')
	return append(b, envelopeClose...)
}

func (f *soapFront) writeEvents(w http.ResponseWriter, name string, events []*storedEvent) {
	size := len(envelopeOpen) + len(envelopeClose) + 2*len(name) + 32
	for _, se := range events {
		size += se.wireLen()
	}
	b := appendEventsResponse(make([]byte, 0, size), name, events)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
