// Command tlogcheck reads a TreatyLedger log the way the Go ecosystem does, with
// golang.org/x/mod/sumdb/tlog and note (Debian's golang-golang-x-mod-dev), and prints
// what it found as JSON for the Python tests to compare. It is the independent
// implementation the interop tests check the node against.
//
//	tlogcheck tiles -base URL|DIR -vkey VKEY [-token T] [-old NOTEFILE] [-record I]...
//	tlogcheck note -vkey VKEY [-vkey VKEY]... < note
//	tlogcheck paths < "L N W" lines
//
// Build offline: GO111MODULE=off GOPATH=/usr/share/gocode go build.
package main

import (
	"bufio"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

// c2spPath is the C2SP tlog-tiles path of a Go tile: Go writes tile/H/L/N[.p/W] (the sumdb
// layout, height in the path) and tile/H/data/N for entries; C2SP drops the height and
// names entry bundles tile/entries/N.
func c2spPath(t tlog.Tile) string {
	rest := strings.TrimPrefix(t.Path(), fmt.Sprintf("tile/%d/", t.H))
	if strings.HasPrefix(rest, "data/") {
		return "tile/entries/" + strings.TrimPrefix(rest, "data/")
	}
	return "tile/" + rest
}

type fetcher struct {
	base  string
	token string
}

func (f fetcher) get(path string) ([]byte, error) {
	if !strings.HasPrefix(f.base, "http://") && !strings.HasPrefix(f.base, "https://") {
		return os.ReadFile(filepath.Join(f.base, filepath.FromSlash(path)))
	}
	req, err := http.NewRequest("GET", strings.TrimSuffix(f.base, "/")+"/"+path, nil)
	if err != nil {
		return nil, err
	}
	if f.token != "" {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// tileReader serves Go's TileHashReader from the C2SP paths.
type tileReader struct {
	f     fetcher
	count *int
}

func (r tileReader) Height() int { return 8 }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := r.f.get(c2spPath(t))
		if err != nil {
			return nil, err
		}
		*r.count++
		out[i] = data
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// cosignatureVerifier checks a C2SP Ed25519 tlog-cosignature (type 0x04), which x/mod 0.7
// does not know, as a note.Verifier, so note.Open still does all the note parsing.
type cosignatureVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v cosignatureVerifier) Name() string    { return v.name }
func (v cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t >= 1<<63 {
		return false
	}
	m := []byte(fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, msg))
	return ed25519.Verify(v.key, m, sig[8:])
}

func verifier(vkey string) note.Verifier {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) == 3 {
		raw, err := base64.StdEncoding.DecodeString(parts[2])
		if err == nil && len(raw) == 33 && raw[0] == 4 {
			h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
			hash, _ := strconv.ParseUint(parts[1], 16, 32)
			if uint32(hash) != binary.BigEndian.Uint32(h[:4]) {
				fail("vkey %s: key hash mismatch", parts[0])
			}
			return cosignatureVerifier{parts[0], uint32(hash), ed25519.PublicKey(raw[1:])}
		}
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("vkey: %v", err)
	}
	return v
}

type checkpoint struct {
	Origin string `json:"origin"`
	Size   int64  `json:"size"`
	Root   string `json:"root"`
	hash   tlog.Hash
}

func openCheckpoint(msg []byte, vkeys []string) (checkpoint, *note.Note) {
	var vs []note.Verifier
	for _, k := range vkeys {
		vs = append(vs, verifier(k))
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		fail("checkpoint: fewer than three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	root, err2 := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || err2 != nil || len(root) != tlog.HashSize {
		fail("checkpoint: bad size or root")
	}
	var c checkpoint
	c.Origin, c.Size, c.Root = lines[0], size, lines[2]
	copy(c.hash[:], root)
	return c, n
}

func b64s(hs []tlog.Hash) []string {
	out := []string{}
	for _, h := range hs {
		out = append(out, base64.StdEncoding.EncodeToString(h[:]))
	}
	return out
}

func cmdTiles(args []string) {
	fs := flag.NewFlagSet("tiles", flag.ExitOnError)
	base := fs.String("base", "", "tiles prefix: http(s) URL or directory")
	token := fs.String("token", "", "bearer token")
	old := fs.String("old", "", "file with an older signed checkpoint")
	var vkeys multi
	var records multi
	fs.Var(&vkeys, "vkey", "log verifier key")
	fs.Var(&records, "record", "leaf index to prove")
	fs.Parse(args)
	f := fetcher{*base, *token}
	msg, err := f.get("checkpoint")
	if err != nil {
		fail("checkpoint: %v", err)
	}
	c, _ := openCheckpoint(msg, vkeys)
	tiles := 0
	hr := tlog.TileHashReader(tlog.Tree{N: c.Size, Hash: c.hash}, tileReader{f, &tiles})
	th, err := tlog.TreeHash(c.Size, hr)
	if err != nil {
		fail("TreeHash: %v", err)
	}
	if th != c.hash {
		fail("tree hash from the tiles %x != checkpoint root %x", th, c.hash)
	}
	// Every entry bundle: each entry hashes (tlog.RecordHash) to its level-0 tile hash.
	entries := int64(0)
	for start := int64(0); start < c.Size; start += 256 {
		w := c.Size - start
		if w > 256 {
			w = 256
		}
		data, err := f.get(c2spPath(tlog.Tile{H: 8, L: -1, N: start / 256, W: int(w)}))
		if err != nil {
			fail("entry bundle: %v", err)
		}
		indexes := []int64{}
		for i := start; i < start+w; i++ {
			indexes = append(indexes, tlog.StoredHashIndex(0, i))
		}
		hashes, err := hr.ReadHashes(indexes)
		if err != nil {
			fail("ReadHashes: %v", err)
		}
		for i := int64(0); i < w; i++ {
			if len(data) < 2 {
				fail("entry bundle %d ends early", start/256)
			}
			n := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+n {
				fail("entry bundle %d ends inside an entry", start/256)
			}
			if tlog.RecordHash(data[2:2+n]) != hashes[i] {
				fail("entry %d does not hash to its tile hash", start+i)
			}
			data = data[2+n:]
			entries++
		}
		if len(data) != 0 {
			fail("entry bundle %d has trailing bytes", start/256)
		}
	}
	out := map[string]interface{}{"checkpoint": c, "entries": entries, "tiles_read": tiles}
	proofs := map[string][]string{}
	for _, r := range records {
		i, _ := strconv.ParseInt(r, 10, 64)
		p, err := tlog.ProveRecord(c.Size, i, hr)
		if err != nil {
			fail("ProveRecord %d: %v", i, err)
		}
		h, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
		if err != nil {
			fail("ReadHashes: %v", err)
		}
		if err := tlog.CheckRecord(p, c.Size, c.hash, i, h[0]); err != nil {
			fail("CheckRecord %d: %v", i, err)
		}
		proofs[r] = b64s(p)
	}
	out["record_proofs"] = proofs
	if *old != "" {
		msg, err := os.ReadFile(*old)
		if err != nil {
			fail("%v", err)
		}
		o, _ := openCheckpoint(msg, vkeys)
		p, err := tlog.ProveTree(c.Size, o.Size, hr)
		if err != nil {
			fail("ProveTree: %v", err)
		}
		if err := tlog.CheckTree(p, c.Size, c.hash, o.Size, o.hash); err != nil {
			fail("CheckTree: %v", err)
		}
		out["tree_proof"] = map[string]interface{}{"old": o.Size, "proof": b64s(p)}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func cmdNote(args []string) {
	fs := flag.NewFlagSet("note", flag.ExitOnError)
	var vkeys multi
	fs.Var(&vkeys, "vkey", "trusted verifier key")
	fs.Parse(args)
	msg, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("%v", err)
	}
	var vs []note.Verifier
	for _, k := range vkeys {
		vs = append(vs, verifier(k))
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) {
			fail("note.Open: no trusted signature (%d unverified)", len(unverified.Note.UnverifiedSigs))
		}
		fail("note.Open: %v", err)
	}
	names := []string{}
	for _, s := range n.Sigs {
		names = append(names, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"text": n.Text, "verified": names, "unverified": len(n.UnverifiedSigs),
	})
}

func cmdPaths() {
	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		var l, w int
		var n int64
		if _, err := fmt.Sscanf(scanner.Text(), "%d %d %d", &l, &n, &w); err != nil {
			fail("paths: %v", err)
		}
		fmt.Println(c2spPath(tlog.Tile{H: 8, L: l, N: n, W: w}))
	}
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: tlogcheck tiles|note|paths ...")
	}
	switch os.Args[1] {
	case "tiles":
		cmdTiles(os.Args[2:])
	case "note":
		cmdNote(os.Args[2:])
	case "paths":
		cmdPaths()
	default:
		fail("unknown command %q", os.Args[1])
	}
}
