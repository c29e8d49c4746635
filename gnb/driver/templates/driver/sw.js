{% autoescape off %}{% comment %}
The drivers' app's service worker (gnb/driver/pwa.py serves it; these comments stay on the server). Its version
is a digest of this file and of the shell's files: any change installs a new worker. Pages: network first, so a
dispatcher's change wins whenever there is signal, with the kept copy when there is none. Static files: cache
first (their names change with their content in production). POSTs are never touched: the page's outbox
(app.js) sends them, in order.
{% endcomment %}// GNB Transfer drivers' app, service worker {{ version }}
"use strict";
const VERSION = "{{ version }}";
const SHELL = {{ shell }};
const STATIC_URL = "{{ static_url }}";
const HOME = "{{ home }}";
const OFFLINE = "{{ offline }}";
const ICON = "{{ icon }}";
{# Pages that are never kept: signing in and out, and this worker's own files. #}
const PRIVATE = {{ private }};
const STATIC = "driver-static-" + VERSION;
{# Kept across versions: the trips stay readable while a new worker installs. #}
const PAGES = "driver-pages";

const isPrivate = (path) => PRIVATE.some((prefix) => path.startsWith(prefix));
{# A redirect or a 401 from a driver page means the session is over: nothing of it may stay on the phone. #}
const signedOut = (response) =>
  response.status === 401 || response.type === "opaqueredirect" || (response.redirected && isPrivate(new URL(response.url).pathname));

{# Counts sign-outs: a page fetched before one may come back after it, and must not be kept then. #}
let generation = 0;

async function forget() {
  generation += 1;
  await Promise.all((await caches.keys()).filter((name) => name.startsWith("driver-")).map((name) => caches.delete(name)));
}

async function put(url, response, since) {
  const cache = await caches.open(PAGES);
  if (since === generation) await cache.put(url, response);
}

{# Keep a page only when it really is the driver's page (not an error, not the sign-in page it was sent to). #}
async function keep(url) {
  const since = generation;
  const response = await fetch(url, { credentials: "same-origin", redirect: "manual" });
  if (signedOut(response)) {
    await forget();
    return false;
  }
  if (response.ok) await put(url, response, since);
  return response.ok;
}

{# Cache every page of the driver's next 36 hours (the server's list), and drop the pages that left it #}
{# (a trip given to another driver is no longer kept on this phone). #}
async function refresh(extra = []) {
  const response = await fetch(OFFLINE, { credentials: "same-origin", cache: "no-store", redirect: "manual" });
  if (signedOut(response)) return forget();
  if (!response.ok) return;
  const { version, urls } = await response.json();
  const wanted = new Set([HOME, ...urls, ...extra.filter((url) => !isPrivate(url))].map((url) => new URL(url, self.location.origin).href));
  const cache = await caches.open(PAGES);
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
  for (const url of wanted) await keep(url).catch(() => false);
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage({ type: "cached", version });
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(STATIC)
      .then((cache) => cache.addAll(SHELL))
      .then(() => keep(HOME).catch(() => false))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("driver-static-") && n !== STATIC).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
      .then(() => refresh().catch(() => {})),
  );
});

async function networkFirst(event) {
  const request = event.request;
  const since = generation;
  try {
    const response = await fetch(request);
    if (signedOut(response)) {
      event.waitUntil(forget());
    } else if (response.ok) {
      event.waitUntil(put(request.url, response.clone(), since));
    }
    return response;
  } catch (error) {
    const cached = (await caches.match(request.url, { cacheName: PAGES, ignoreVary: true })) ||
      (request.mode === "navigate" && (await caches.match(HOME, { cacheName: PAGES, ignoreVary: true })));
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: STATIC });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(STATIC).then((cache) => cache.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    {# Signing out: the server also sends Clear-Site-Data, but the trips go at once whatever it answers. #}
    if (isPrivate(url.pathname)) event.waitUntil(forget());
    return;
  }
  if (url.pathname.startsWith(STATIC_URL)) event.respondWith(cacheFirst(request));
  else if (url.pathname.startsWith(HOME) && !isPrivate(url.pathname) && url.pathname !== OFFLINE) {
    event.respondWith(networkFirst(event));
  }
});

{# The page asks after a change (offline.json's version moved); the browser asks now and then when installed. #}
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "refresh") event.waitUntil(refresh(data.urls || []).catch(() => {}));
  else if (data.type === "forget") event.waitUntil(forget());
});
self.addEventListener("periodicsync", (event) => event.waitUntil(refresh().catch(() => {})));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data.text() };
  }
  const url = new URL(data.url || HOME, self.location.origin);
  const target = url.origin === self.location.origin ? url.href : HOME;
  event.waitUntil(
    Promise.all([
      self.registration.showNotification(data.title || "GNB Transfer", { body: data.body || "", icon: ICON, data: { url: target } }),
      self.clients.matchAll({ type: "window" }).then((clients) => clients.forEach((c) => c.postMessage({ type: "push", url: target }))),
      refresh().catch(() => {}),
    ]),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url ? event.notification.data.url : HOME;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((clients) => {
      const open = clients.find((client) => client.url === new URL(url, self.location.origin).href);
      return open ? open.focus() : self.clients.openWindow(url);
    }),
  );
});
{% endautoescape %}
