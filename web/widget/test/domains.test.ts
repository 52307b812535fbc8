import { test } from "node:test";
import assert from "node:assert/strict";
import { allowsHost, allowsOrigin } from "../src/lib/domains";

test("allowed hosts are the domain and its subdomains, any port (as the server decides)", () => {
  const d = ["shop.example", "*.brand.example", "localhost", "127.0.0.1"];
  assert.ok(allowsHost(d, "shop.example"));
  assert.ok(allowsHost(d, "www.shop.example:8443"));
  assert.ok(allowsHost(d, "SHOP.example"));
  assert.ok(allowsHost(d, "brand.example"));
  assert.ok(allowsHost(d, "eu.brand.example"));
  assert.ok(allowsHost(d, "localhost:3000"));
  assert.ok(allowsHost(d, "127.0.0.1:8080"));
  assert.ok(!allowsHost(d, "evilshop.example"));
  assert.ok(!allowsHost(d, "shop.example.evil.test"));
  assert.ok(!allowsHost(d, "127.0.0.2"));
  assert.ok(!allowsHost(d, ""));
  assert.ok(!allowsHost([], "shop.example"));
});

test("origins must be http(s) and on an allowed domain", () => {
  const d = ["shop.example"];
  assert.ok(allowsOrigin(d, "https://shop.example"));
  assert.ok(allowsOrigin(d, "http://shop.example:8080"));
  assert.ok(!allowsOrigin(d, "null"));
  assert.ok(!allowsOrigin(d, "file://shop.example"));
  assert.ok(!allowsOrigin(d, "https://shop.example.evil.test"));
  assert.ok(!allowsOrigin(d, "https://shop.example/path"));
  assert.ok(!allowsOrigin(d, ""));
});
