package widgetweb

//go:generate go run ./build
