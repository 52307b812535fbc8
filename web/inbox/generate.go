package inboxweb

//go:generate go run ./build
