// Command vcsim is the test vCenter of @event-router/node-red-vmware: govmomi's vim25 SOAP
// simulator (VPX model) with an event history collector that follows the vSphere API,
// a JSON control API for tests, and a govmomi poller used as the benchmark peer.
//
//	vcsim serve [-listen 127.0.0.1:0] [-control 127.0.0.1:0] [-username u -password p]
//	            [-max-events 300000] [-collectors-per-session 32] [-session-events] [-v]
//	vcsim poll  -url https://127.0.0.1:PORT/sdk [-username u -password p] -count N
//	            [-insecure] [-begin RFC3339 | -begin-oldest]
//
// Build (GOPATH mode, govmomi 0.24 from Debian's golang-github-vmware-govmomi-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o test/support/.bin/vcsim ./test/support/vcsim
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2:])
	case "poll":
		poll(os.Args[2:])
	case "selfcheck":
		selfcheck(os.Args[2:])
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: vcsim serve|poll|selfcheck [flags] (vcsim <cmd> -h for flags)")
	os.Exit(2)
}

func fatal(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "vcsim: "+format+"\n", args...)
	os.Exit(1)
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "SOAP (HTTPS) listen address")
	controlAddr := fs.String("control", "127.0.0.1:0", "control API (HTTP) listen address")
	username := fs.String("username", "", "accept only this user name (default: any non-empty)")
	password := fs.String("password", "", "password for -username")
	maxEvents := fs.Int("max-events", 300000, "events kept (oldest dropped)")
	perSession := fs.Int("collectors-per-session", 32, "live event collectors allowed per session")
	sessionEvents := fs.Bool("session-events", false, "store UserLoginSessionEvent/UserLogoutSessionEvent for SOAP Login/Logout")
	stdinExit := fs.Bool("exit-on-stdin-eof", true, "exit when stdin is closed")
	verbose := fs.Bool("v", false, "log requests and simulator messages to stderr")
	_ = fs.Parse(args)

	if *verbose {
		log.SetOutput(os.Stderr)
	} else {
		log.SetOutput(io.Discard) // the simulator logs per request otherwise
	}
	if *maxEvents < 1 {
		fatal("-max-events must be positive")
	}

	model := simulator.VPX()
	if err := model.Create(); err != nil {
		fatal("creating the inventory: %s", err)
	}
	cert, thumbprint, err := selfSignedCert(*listen)
	if err != nil {
		fatal("certificate: %s", err)
	}
	model.Service.Listen = &url.URL{Host: *listen}
	if *username != "" {
		model.Service.Listen.User = url.UserPassword(*username, *password)
	}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv := model.Service.NewServer()

	store := newEventStore(*maxEvents, *perSession)
	store.publish = publishLatest
	root := simulator.Map.Get(types.ManagedObjectReference{Type: "ServiceInstance", Value: "ServiceInstance"}).(*simulator.ServiceInstance).Content.RootFolder
	front := newSOAPFront(srv.Config.Handler, store, root)
	front.verbose = *verbose
	front.sessionEvents = *sessionEvents
	srv.Config.Handler = front // before anyone knows the port

	ctl := newControl(store, front, newShapes())
	ln, err := net.Listen("tcp", *controlAddr)
	if err != nil {
		fatal("control listen: %s", err)
	}
	ctlServer := &http.Server{Handler: ctl}
	go func() { _ = ctlServer.Serve(ln) }()

	// before the start line: a SIGTERM right after it must still remove the datastore directories
	done := make(chan string, 2)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)

	sdk := *srv.URL
	sdk.User = nil
	line, _ := json.Marshal(map[string]interface{}{
		"sdk":        sdk.String(),
		"control":    "http://" + ln.Addr().String(),
		"pid":        os.Getpid(),
		"thumbprint": thumbprint,
	})
	fmt.Println(string(line))

	go func() { done <- (<-sig).String() }()
	if *stdinExit {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			done <- "stdin closed"
		}()
	}
	reason := <-done
	// always said, so that a test seeing this process gone learns why (test/support/vcsim.js)
	fmt.Fprintf(os.Stderr, "vcsim: exiting: %s\n", reason)
	_ = ctlServer.Close()
	srv.CloseClientConnections()
	go srv.Close() // waits for in-flight requests, e.g. WaitForUpdatesEx; don't block exit on it
	model.Remove() // temporary datastore directories
	os.Exit(0)
}

// selfSignedCert makes a fresh ECDSA certificate for 127.0.0.1, ::1, localhost and the
// listen host, and returns it with its SHA-1 thumbprint in vCenter's colon form.
func selfSignedCert(listen string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vcsim", Organization: []string{"node-red-vmware tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	if host, _, err := net.SplitHostPort(listen); err == nil && host != "" {
		if ip := net.ParseIP(host); ip != nil {
			if !ip.IsLoopback() && !ip.IsUnspecified() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if host != "localhost" {
			tmpl.DNSNames = append(tmpl.DNSNames, host)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	sum := sha1.Sum(der)
	hex := make([]string, len(sum))
	for i, b := range sum {
		hex[i] = fmt.Sprintf("%02X", b)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, strings.Join(hex, ":"), nil
}
