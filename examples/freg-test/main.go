// Command freg-test is a local Folkeregisteret for development and tests
// (package identity/fregtest): the "offentlig med hjemmel" person API with
// synthetic persons (Tenor-style, month +80) in the register's own JSON,
// and a Maskinporten token endpoint in front of it.
//
//	go run ./examples/freg-test -addr 127.0.0.1:8082 -new-client-key /tmp/skjema-maskinporten.pem
//
// writes a new key pair's private key for the client skjema-dev to that
// file, and registers its public key. Then start Skjema with
// -freg-url http://127.0.0.1:8082 -maskinporten-issuer http://127.0.0.1:8082
// -maskinporten-client-id skjema-dev -maskinporten-key /tmp/skjema-maskinporten.pem.
package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/skjema/skjema/identity/fregtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "where to listen; the API and its Maskinporten are at http://ADDR")
	personsFile := flag.String("persons", "", "a JSON array of person documents in Folkeregisteret's shape (default: the built-in households)")
	clientID := flag.String("client-id", "skjema-dev", "the Maskinporten client id Skjema uses")
	newKey := flag.String("new-client-key", "", "write a new private key for the client to this file (mode 0600), and register its public key")
	publicKey := flag.String("client-public-key", "", "or register this public key (PEM) for the client")
	flag.Parse()
	if err := run(*addr, *personsFile, *clientID, *newKey, *publicKey); err != nil {
		log.Fatal(err)
	}
}

func run(addr, personsFile, clientID, newKey, publicKey string) error {
	data := fregtest.DefaultPersons()
	if personsFile != "" {
		var err error
		if data, err = os.ReadFile(personsFile); err != nil {
			return err
		}
	}
	var key *rsa.PublicKey
	switch {
	case newKey != "":
		priv, pub, err := fregtest.Key()
		if err != nil {
			return err
		}
		if err := os.WriteFile(newKey, priv, 0o600); err != nil {
			return err
		}
		key = pub
	case publicKey != "":
		raw, err := os.ReadFile(publicKey)
		if err != nil {
			return err
		}
		block, _ := pem.Decode(raw)
		if block == nil {
			return errors.New(publicKey + ": no PEM block")
		}
		parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return err
		}
		var ok bool
		if key, ok = parsed.(*rsa.PublicKey); !ok {
			return errors.New(publicKey + ": not an RSA public key")
		}
	default:
		return errors.New("give -new-client-key FILE or -client-public-key FILE: the register answers only a client with a Maskinporten token")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	issuer := "http://" + ln.Addr().String()
	s, err := fregtest.New(issuer, data, fregtest.Client{ID: clientID, Key: key})
	if err != nil {
		return err
	}
	persons, _ := fregtest.Persons(data)
	fmt.Printf("Local Folkeregisteret and Maskinporten at %s (client %s); persons:\n", issuer, clientID)
	for _, p := range persons {
		fmt.Printf("  %s  %s\n", p.PID, p.Name)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
