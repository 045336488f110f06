package api

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"

	"go.yaml.in/yaml/v4"
)

// Merchant is an account of the API: an ID that owns scripts and rooms, and
// the SHA-256 (lower-case hex) of its bearer token.
type Merchant struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	TokenSHA256 string `json:"token_sha256"`
}

var (
	idRE   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	hashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// MinTokenLen is the shortest token HashToken's callers should accept: a
// token stands in for a password but gets no slow KDF, so it must be random
// and long.
const MinTokenLen = 24

// HashToken returns the SHA-256 of token in lower-case hex, as merchants.yaml
// stores it (printf %s "$TOKEN" | sha256sum gives the same).
func HashToken(token string) string {
	sum := sha256Sum(token)
	return hex.EncodeToString(sum[:])
}

func sha256Sum(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// NewToken returns a new random token: 26 base32 characters (128 bits)
// from crypto/rand.
func NewToken() string { return rand.Text() }

// LoadMerchants reads a merchants file: YAML with a top-level "merchants"
// list of {id, name, token_sha256}. Unknown fields are errors; an empty
// list is not.
func LoadMerchants(path string) ([]Merchant, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("merchants: %w", err)
	}
	var doc any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("merchants: %s: %w", path, err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("merchants: %s: %w", path, err)
	}
	var file struct {
		Merchants []Merchant `json:"merchants"`
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("merchants: %s: %w", path, err)
	}
	if err := checkMerchants(file.Merchants); err != nil {
		return nil, fmt.Errorf("merchants: %s: %w", path, err)
	}
	return file.Merchants, nil
}

func checkMerchants(ms []Merchant) error {
	seen := map[string]bool{}
	for _, m := range ms {
		if !idRE.MatchString(m.ID) {
			return fmt.Errorf("merchant id %q: must be 1-64 of A-Z a-z 0-9 _ -", m.ID)
		}
		if seen[m.ID] {
			return fmt.Errorf("merchant %q defined twice", m.ID)
		}
		seen[m.ID] = true
		if !hashRE.MatchString(m.TokenSHA256) {
			return fmt.Errorf("merchant %q: token_sha256 must be 64 lower-case hex digits", m.ID)
		}
	}
	return nil
}
