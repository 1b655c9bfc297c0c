// Command vcsim-peer runs the govmomi simulator (vcsim) from Debian's golang-github-vmware-govmomi-dev
// as a test peer for the vSphere driver, with the strictness layer of strict.go in front of it.
//
// Build (GOPATH mode, offline): GO111MODULE=off GOPATH=<dir>:/usr/share/gocode go build -o vcsim-peer .
//
// It prints one JSON line on stdout once it serves:
//
//	{"url":"https://127.0.0.1:PORT/sdk","certFile":"...","keyFile":"...","fingerprint":"AB:CD:...","vms":N,...}
//
// and serves until killed (with -watch-stdin: until its stdin closes).
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	model := flag.String("model", "vpx", "vpx (vCenter) or esx (standalone ESXi host)")
	hosts := flag.Int("hosts", 1, "vpx: standalone hosts per datacenter")
	clusters := flag.Int("cluster", 1, "vpx: clusters per datacenter (each with -cluster-hosts hosts)")
	clusterHosts := flag.Int("cluster-hosts", 3, "vpx: hosts per cluster")
	vms := flag.Int("vms", 2, "VMs per resource pool: per standalone host and per cluster (as vcsim's -vm)")
	plain := flag.Bool("plain", false, "serve plain HTTP instead of HTTPS")
	username := flag.String("username", "user", "the only user name Login accepts")
	password := flag.String("password", "pass", "the only password Login accepts")
	sessionIdle := flag.Duration("session-idle", 0, "expire sessions idle this long (0: never)")
	shutdownDelay := flag.Duration("shutdown-delay", 200*time.Millisecond, "time a guest takes to shut down after ShutdownGuest")
	watchStdin := flag.Bool("watch-stdin", false, "exit when stdin closes (the launcher holds it open, so a killed test runner leaves no orphan)")
	powerDelay := flag.Duration("power-delay", 0, "time PowerOnVM_Task and PowerOffVM_Task take: vcsim runs a task inside its call, so the call is held this long")
	privileges := flag.String("privileges", "", "the user's privileges (comma-separated), as a role on the root folder; empty: the Admin role")
	lenient := flag.Bool("lenient", false, "serve vcsim as it is, without the strictness layer (strict.go)")
	flag.Parse()

	var m *simulator.Model
	switch *model {
	case "vpx":
		m = simulator.VPX()
		m.Host = *hosts
		m.Cluster = *clusters
		m.ClusterHost = *clusterHosts
	case "esx":
		m = simulator.ESX()
	default:
		log.Fatalf("-model must be vpx or esx, got %q", *model)
	}
	m.Machine = *vms
	simulator.SessionIdleTimeout = *sessionIdle
	if *powerDelay > 0 {
		ms := int(*powerDelay / time.Millisecond)
		m.DelayConfig.MethodDelay = map[string]int{"PowerOnVM_Task": ms, "PowerOffVM_Task": ms}
	}

	if err := m.Create(); err != nil {
		log.Fatalf("creating the model: %v", err)
	}
	defer m.Remove()

	if err := grantUser(*username, *privileges); err != nil {
		log.Fatalf("-privileges: %v", err)
	}

	m.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}

	var certFile, keyFile, fingerprint string
	if !*plain {
		dir, err := ioutil.TempDir("", "vcsim-peer-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		cert, err := selfSignedCertificate(dir)
		if err != nil {
			log.Fatalf("creating the certificate: %v", err)
		}
		m.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert.pair}}
		certFile, keyFile, fingerprint = cert.certFile, cert.keyFile, cert.fingerprint
	}

	server := m.Service.NewServer()
	defer server.Close()

	peer := newStrictPeer(*shutdownDelay, *username)
	if !*lenient {
		// No request has reached the server yet (its URL is not printed), so swapping the handler is safe.
		server.Config.Handler = peer.wrap(server.Config.Handler)
	}

	count := 0
	for _, obj := range simulator.Map.All("VirtualMachine") {
		if vm, ok := obj.(*simulator.VirtualMachine); ok {
			peer.initGuest(vm)
			count++
		}
	}

	u := *server.URL
	u.User = nil
	line, _ := json.Marshal(map[string]interface{}{
		"url":         u.String(),
		"model":       *model,
		"vms":         count,
		"certFile":    certFile,
		"keyFile":     keyFile,
		"fingerprint": fingerprint,
	})
	fmt.Println(string(line))

	if *watchStdin {
		_, _ = io.Copy(ioutil.Discard, os.Stdin)
		return
	}
	select {}
}

type certificate struct {
	pair                           tls.Certificate
	certFile, keyFile, fingerprint string
}

// selfSignedCertificate makes a fresh certificate for 127.0.0.1/localhost on every start, so that a
// fingerprint pinned for one run never matches another run's server.
func selfSignedCertificate(dir string) (*certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vcsim-peer", Organization: []string{"pulumi-hypervisor tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDer, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	certPem := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPem := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDer})
	c := &certificate{certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
	if err := ioutil.WriteFile(c.certFile, certPem, 0o600); err != nil {
		return nil, err
	}
	if err := ioutil.WriteFile(c.keyFile, keyPem, 0o600); err != nil {
		return nil, err
	}
	if c.pair, err = tls.X509KeyPair(certPem, keyPem); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	hex := make([]string, len(sum))
	for i, b := range sum {
		hex[i] = fmt.Sprintf("%02X", b)
	}
	c.fingerprint = strings.Join(hex, ":")
	return c, nil
}
