package ratelimit

import (
	"testing"
	"time"
)

func TestTakeBoth(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	a, b := New(time.Hour, 3), New(time.Hour, 100)
	for i := range 3 {
		if ok, _ := TakeBoth(now, a, "x", b, "y"); !ok {
			t.Fatalf("take %d refused within the burst", i)
		}
	}
	if ok, _ := TakeBoth(now, a, "x", b, "y"); ok {
		t.Fatal("took past the burst")
	}
	// A refused take consumed nothing from the other bucket, and other keys are separate.
	if ok, _ := TakeBoth(now, a, "other", b, "y"); !ok {
		t.Fatal("another key was limited")
	}
	// A refund gives the tokens back.
	c := New(time.Hour, 1)
	ok, refund := TakeBoth(now, c, "k", b, "z")
	if !ok {
		t.Fatal("first take refused")
	}
	refund()
	if ok, _ := TakeBoth(now, c, "k", b, "z"); !ok {
		t.Fatal("refunded token not given back")
	}
	// Refill after an interval.
	if ok, _ := TakeBoth(now.Add(time.Hour), a, "x", b, "y"); !ok {
		t.Fatal("no refill after the interval")
	}
}

func TestTakeOneAndFull(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	k := New(time.Minute, 2)
	if !k.Full(now, "x") {
		t.Fatal("an untouched key is not full")
	}
	ok, refund := k.TakeOne(now, "x")
	if !ok || k.Full(now, "x") {
		t.Fatal("a take left the bucket full")
	}
	refund()
	if !k.Full(now, "x") {
		t.Fatal("a refund did not fill the bucket again")
	}
	k.TakeOne(now, "x")
	k.TakeOne(now, "x")
	if ok, _ := k.TakeOne(now, "x"); ok {
		t.Fatal("took past the burst")
	}
	if !k.Full(now.Add(2*time.Minute), "x") {
		t.Fatal("not full after refilling")
	}
}
