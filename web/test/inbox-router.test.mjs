// The inbox's places (inbox/router.ts): every place written as a hash reads
// back as itself, and anything else is no place.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const { parseRoute, routeHash } = await import(pathToFileURL(join(process.env.PARLEY_TEST_BUNDLES, "inbox-router.mjs")).href);

test("every place round-trips through its hash", () => {
  for (const [hash, route] of [
    ["#/inbox/main/all", { page: "inbox", inboxId: "main", view: "all", status: "open" }],
    ["#/inbox/main/mine/closed", { page: "inbox", inboxId: "main", view: "mine", status: "closed" }],
    ["#/inbox/sales%20eu/unassigned", { page: "inbox", inboxId: "sales eu", view: "unassigned", status: "open" }],
    ["#/c/6f1c2a40-0000-4000-8000-000000000001", { page: "conversation", id: "6f1c2a40-0000-4000-8000-000000000001" }],
    ["#/c/a%2Fb", { page: "conversation", id: "a/b" }],
    ["#/quarantine", { page: "quarantine" }],
    ["#/settings", { page: "settings", section: "" }],
    ["#/settings/inboxes/main", { page: "settings", section: "inboxes/main" }],
    ["#/reports", { page: "reports" }],
  ]) {
    assert.deepEqual(parseRoute(hash), route, hash);
    assert.equal(routeHash(route), hash, JSON.stringify(route));
  }
});

test("a hash that names no place is null", () => {
  for (const hash of ["", "#", "#/", "#/inbox", "#/inbox/main", "#/inbox/main/everyone", "#/inbox/main/all/open", "#/inbox/main/all/archived",
    "#/inbox/main/all/closed/x", "#/c", "#/c/", "#/c/a/b", "#/quarantine/x", "#/reports/2026", "#/settings/", "#/c/%E0%A4%A", "#/nowhere"]) {
    assert.equal(parseRoute(hash), null, hash);
  }
});

test("a conversation id cannot climb out of its path", () => {
  const r = parseRoute("#/c/..%2F..%2Fquarantine");
  assert.deepEqual(r, { page: "conversation", id: "../../quarantine" });
  assert.equal(routeHash(r), "#/c/..%2F..%2Fquarantine");
});
