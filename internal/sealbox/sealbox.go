// Package sealbox encrypts secrets at rest (creditors' Mollie keys) with
// AES-256-GCM. Each sealed value is bound to a context string (such as
// "mollie-key:creditor:12"), so a sealed value copied to another row does
// not open there.
package sealbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Box seals and opens values with one key.
type Box struct{ aead cipher.AEAD }

// KeySize is the size of a Box key.
const KeySize = 32

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("sealbox: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain for context; the result holds the random nonce.
func (b *Box) Seal(plain []byte, context string) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("sealbox: crypto/rand failed: " + err.Error())
	}
	return b.aead.Seal(nonce, nonce, plain, []byte(context))
}

// ErrOpen means the value was not sealed by this key for this context (or
// was altered).
var ErrOpen = errors.New("sealbox: cannot open: wrong key, wrong context or altered value")

// Open decrypts a sealed value for context.
func (b *Box) Open(sealed []byte, context string) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(context))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
