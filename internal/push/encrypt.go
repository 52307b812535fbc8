// Package push sends Web Push messages: the payload encrypted for the browser (RFC 8291,
// "aes128gcm" content coding of RFC 8188), the server identified to the push service with a VAPID
// token (RFC 8292), over the Web Push protocol (RFC 8030). It also keeps the browsers' subscriptions
// (Service). Our own code on the standard library: the protocol is small, and owning it keeps the
// dependency list short.
package push

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// recordSize is the one record's size announced in the header. Push services accept bodies of up
// to 4096 bytes, so a payload is one record and never more.
const recordSize = 4096

// MaxPayload is the largest plaintext that fits a push body: 4096 bytes less the 86-byte header,
// the padding delimiter and the 16-byte tag.
const MaxPayload = recordSize - 86 - 1 - 16

// Encrypt encrypts plaintext for a browser whose subscription holds uaPublic (the p256dh key, an
// uncompressed P-256 point) and authSecret (16 bytes), with a fresh key pair and salt. The result is
// the request body, header included.
func Encrypt(plaintext, uaPublic, authSecret []byte) ([]byte, error) {
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return encrypt(plaintext, uaPublic, authSecret, as, salt)
}

// encrypt is Encrypt with the sender's key pair and the salt given (the RFC's example fixes both).
func encrypt(plaintext, uaPublic, authSecret []byte, as *ecdh.PrivateKey, salt []byte) ([]byte, error) {
	if len(plaintext) > MaxPayload {
		return nil, fmt.Errorf("push payload of %d bytes is over %d", len(plaintext), MaxPayload)
	}
	if len(authSecret) != 16 {
		return nil, errors.New("push: the auth secret must be 16 bytes")
	}
	if len(salt) != 16 {
		return nil, errors.New("push: the salt must be 16 bytes")
	}
	ua, err := ecdh.P256().NewPublicKey(uaPublic)
	if err != nil {
		return nil, fmt.Errorf("push: the p256dh key is not a P-256 point: %w", err)
	}
	shared, err := as.ECDH(ua)
	if err != nil {
		return nil, err
	}
	asPublic := as.PublicKey().Bytes()
	cek, nonce, err := contentKeys(shared, uaPublic, asPublic, authSecret, salt)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// Header (RFC 8188 section 2.1): salt, record size, key id length, key id = our public key.
	body := make([]byte, 0, 16+4+1+len(asPublic)+len(plaintext)+1+gcm.Overhead())
	body = append(body, salt...)
	body = binary.BigEndian.AppendUint32(body, recordSize)
	body = append(body, byte(len(asPublic)))
	body = append(body, asPublic...)
	// The only (so the last) record: the plaintext, then the delimiter 0x02 and no padding.
	record := append(append(make([]byte, 0, len(plaintext)+1), plaintext...), 0x02)
	return gcm.Seal(body, nonce, record, nil), nil
}

// contentKeys derives the content encryption key and nonce (RFC 8291 section 3.4) from the ECDH
// secret of the sender's and the browser's keys.
func contentKeys(shared, uaPublic, asPublic, authSecret, salt []byte) (cek, nonce []byte, err error) {
	keyInfo := "WebPush: info\x00" + string(uaPublic) + string(asPublic)
	prkKey, err := hkdf.Extract(sha256.New, shared, authSecret)
	if err != nil {
		return nil, nil, err
	}
	ikm, err := hkdf.Expand(sha256.New, prkKey, keyInfo, 32)
	if err != nil {
		return nil, nil, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return nil, nil, err
	}
	if cek, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16); err != nil {
		return nil, nil, err
	}
	if nonce, err = hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12); err != nil {
		return nil, nil, err
	}
	return cek, nonce, nil
}
