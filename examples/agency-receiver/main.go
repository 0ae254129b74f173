// Command agency-receiver plays Husbanken for demos: it receives pushed
// batches from Skjema, verifies their signatures and checksums, and answers
// receipts, rejecting applications whose monthly rent is above -reject-rent.
//
//	go run ./examples/agency-receiver -addr 127.0.0.1:9090 -secret s3cret
//
// and give skjema serve an agencies file:
//
//	{"husbanken": {"transport": "push", "url": "http://127.0.0.1:9090/", "secret": "s3cret"}}
//
// It logs a line per push: the batch id, its item count, whether the
// signature and checksum hold, and how many items it accepted and
// rejected; never what an application says.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/examples/agency-receiver/receiver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9090", "listen address")
	secret := flag.String("secret", "", "the secret shared with Skjema (required)")
	rejectRent := flag.Int("reject-rent", 0, "reject applications with a monthly rent above this (0: accept all)")
	fail := flag.Bool("fail", false, "answer every push with 500")
	slow := flag.Duration("slow", 0, "answer every push this late")
	flag.Parse()
	if *secret == "" {
		log.Fatal("-secret is required")
	}
	r := &receiver.Receiver{Secret: *secret, Log: slog.Default()}
	if *rejectRent > 0 {
		r.Reject = func(it batches.BatchItem) (string, bool) {
			var data struct {
				Housing struct {
					Rent int `json:"rent"`
				} `json:"housing"`
			}
			json.Unmarshal(it.Data, &data)
			return "husleien er over grensen for bostøtte", data.Housing.Rent > *rejectRent
		}
	}
	mode := receiver.Normal
	if *fail {
		mode = receiver.Failing
	}
	r.SetMode(mode, *slow)
	log.Printf("agency receiver listening on http://%s/", *addr)
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
