package bus_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar/bus"
)

// tlsServer starts a NATS server on loopback that speaks only TLS, with a
// certificate from a fresh CA (written to caFile) and one user.
func tlsServer(t *testing.T, user, password string) (url, caFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "nats"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoSigs: true, NoLog: true, Username: user, Password: password,
		TLS: true, TLSConfig: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	return ns.ClientURL(), caFile
}

// TestOpenTLSAndPassword: a bus reaches a TLS-only server with a user and
// password, checking the server against the CA it is given; without the CA
// or with a wrong password it does not connect.
func TestOpenTLSAndPassword(t *testing.T) {
	url, ca := tlsServer(t, "director", "s3cret-pass")
	url = strings.Replace(url, "nats://", "tls://", 1)
	ctx := context.Background()
	open := func(a bus.Auth) error {
		b, err := bus.Open(ctx, bus.Config{URL: url, Auth: a}, zaptest.NewLogger(t))
		if err == nil {
			return b.Close()
		}
		return err
	}
	if err := open(bus.Auth{User: "director", Password: "s3cret-pass", TLSCA: ca}); err != nil {
		t.Fatalf("TLS with the CA and the password: %v", err)
	}
	if err := open(bus.Auth{User: "director", Password: "s3cret-pass"}); err == nil {
		t.Error("connected without trusting the server's CA")
	}
	if err := open(bus.Auth{User: "director", Password: "wrong", TLSCA: ca}); err == nil {
		t.Error("connected with a wrong password")
	}
}

// TestAuthOptionsRefuseNonsense: conflicting or incomplete credentials are
// refused before connecting, naming what is wrong and never the secret.
func TestAuthOptionsRefuseNonsense(t *testing.T) {
	ctx := context.Background()
	seed := filepath.Join(t.TempDir(), "not-a-seed")
	if err := os.WriteFile(seed, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a    bus.Auth
		want string
	}{
		{bus.Auth{User: "u", Password: "pw-secret", Token: "tok-secret"}, "one of"},
		{bus.Auth{Password: "pw-secret"}, "needs a user"},
		{bus.Auth{TLSCert: "cert.pem"}, "needs its key"},
		{bus.Auth{CredsFile: seed}, "not a .creds file nor an nkey seed"},
		{bus.Auth{TLSCA: seed}, "no PEM certificate"},
	} {
		_, err := bus.Open(ctx, bus.Config{URL: "nats://127.0.0.1:1", Auth: tc.a}, zaptest.NewLogger(t))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.a, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "hello") {
			t.Errorf("error shows a secret: %v", err)
		}
	}
}
