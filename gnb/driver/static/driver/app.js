// The drivers' app in the page: registers the service worker, keeps presses made without signal in an outbox
// (IndexedDB) and sends them in order once the signal is back, and listens for the dispatcher's changes.
// Texts come translated from the page (body data-outbox-label-* attributes): no catalogue in here.
(() => {
  "use strict";
  const body = document.body;
  const label = (name) => body.dataset["outboxLabel" + name] || "";
  const area = document.getElementById("outbox");
  const worker = "serviceWorker" in navigator ? navigator.serviceWorker : null;

  // --- storage: "outbox" holds the commands by sequence, one per key; "refused" what the server refused ---
  let opened = null;
  const db = () =>
    (opened ||= new Promise((resolve, reject) => {
      const open = indexedDB.open("driver-outbox", 1);
      open.onupgradeneeded = () => {
        open.result.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true }).createIndex("key", "key", { unique: true });
        open.result.createObjectStore("refused", { keyPath: "key" });
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    }));
  async function run(store, mode, work) {
    const tx = (await db()).transaction(store, mode);
    const request = work(tx.objectStore(store));
    await new Promise((resolve, reject) => ((tx.oncomplete = resolve), (tx.onerror = tx.onabort = () => reject(tx.error))));
    return request.result;
  }
  const all = (store) => run(store, "readonly", (s) => s.getAll());

  // --- the trip page: its status, and only the forms that status allows (data-when) ---
  function show(scope, status, text) {
    scope.dataset.tripStatus = status;
    const shown = scope.querySelector("[data-trip-status-label]");
    if (shown && text) shown.textContent = text;
    for (const part of scope.querySelectorAll("[data-when]")) part.hidden = !part.dataset.when.split(" ").includes(status);
  }
  const scopeOf = (form) => form.closest("[data-trip-status]");
  const actionOf = (form) => new URL(form.getAttribute("action") || location.href, location.href).href;
  const done = (form, key) => form.querySelector("[name=key]")?.value === key && !form.querySelector("[name=status]");

  // Presses still waiting moved the page on: after a reload without signal it shows them too.
  function replay(commands) {
    for (const command of commands) {
      for (const form of document.querySelectorAll("form[data-outbox]")) {
        if (actionOf(form) !== command.url) continue;
        const scope = scopeOf(form);
        if (command.status && scope) show(scope, command.status, command.statusLabel);
        if (done(form, command.key)) disable(form);
      }
    }
  }
  const disable = (form) => form.querySelectorAll("button").forEach((button) => (button.disabled = true));

  // --- #outbox: how many wait, and why the refused ones were refused ---
  let signInNeeded = false;
  function node(tag, text, className = "") {
    const element = document.createElement(tag);
    element.textContent = text;
    element.className = className;
    return element;
  }
  async function render() {
    if (!area) return;
    const [waiting, refused] = await Promise.all([all("outbox"), all("refused")]);
    area.replaceChildren();
    if (waiting.length) {
      area.append(node("p", label("Waiting").replace("{count}", waiting.length), "outbox__waiting"));
      if (!navigator.onLine) area.append(node("p", label("NoSignal"), "outbox__note"));
      if (signInNeeded) area.append(node("p", label("SignIn"), "outbox__note"));
    }
    if (!refused.length) return;
    const box = node("section", "", "outbox__refused");
    const list = node("ul", "");
    for (const item of refused.sort((a, b) => a.at - b.at)) {
      const entry = node("li", " — " + item.message);
      entry.prepend(node("strong", item.what));
      list.append(entry);
    }
    const dismiss = node("button", label("Dismiss"), "button button--secondary");
    dismiss.type = "button";
    dismiss.addEventListener("click", () => run("refused", "readwrite", (s) => s.clear()).then(render));
    box.append(node("h2", label("RefusedTitle")), list, dismiss);
    area.append(box);
  }

  // --- a press: read the form, add where the phone is (3 s at most), queue it once per key, send ---
  const pressing = new Set();
  function position() {
    if (!navigator.geolocation) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 3000, null);
      const answer = (coords) => (clearTimeout(timer), resolve(coords));
      navigator.geolocation.getCurrentPosition((where) => answer(where.coords), () => answer(null), { timeout: 2500, maximumAge: 60000 });
    });
  }
  async function press(event) {
    const form = event.target;
    event.preventDefault();
    const data = new FormData(form, event.submitter);
    const status = data.get("status") || "";
    let key = data.get("key");
    if (!key || pressing.has(key + status)) return; // a double tap is one press
    pressing.add(key + status);
    // The page may give its status buttons one key: a queued press of another step takes a key of its own.
    const queued = await run("outbox", "readonly", (s) => s.index("key").get(key));
    if (queued && queued.status !== status) {
      key = crypto.randomUUID();
      data.set("key", key);
      pressing.add(key + status);
    }
    const scope = scopeOf(form);
    if (status) {
      if (scope) {
        data.set("expected_status", scope.dataset.tripStatus);
        show(scope, status, form.dataset.nextLabel);
      }
      const coords = await position(); // without permission or a fix, the press goes without
      if (coords) {
        data.set("latitude", coords.latitude.toFixed(6));
        data.set("longitude", coords.longitude.toFixed(6));
        data.set("accuracy_m", Math.round(coords.accuracy));
      }
    } else {
      disable(form);
    }
    const command = {
      key,
      url: actionOf(form),
      entries: [...data].filter(([, value]) => !(value instanceof File) || value.size),
      status,
      statusLabel: form.dataset.nextLabel || "",
      what: (event.submitter || form).dataset.what || event.submitter?.textContent.trim() || "",
      at: Date.now(),
    };
    await run("outbox", "readwrite", (s) => s.add(command)).catch((error) => {
      if (error?.name !== "ConstraintError") throw error; // else: this key waits already
    });
    await render();
    drain();
  }

  // --- sending: the oldest first, one at a time; a failed send stops the line and tries again later ---
  let draining = false;
  let refusedNow = false;
  let retryIn = 2000;
  let retryTimer = 0;
  const token = () => document.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
  async function send(command) {
    const data = new FormData();
    for (const [name, value] of command.entries) data.append(name, value);
    // This page's token: the valid one, also when the driver signed in again since the press.
    if (token()) data.set("csrfmiddlewaretoken", token());
    const headers = { Accept: "application/json", "X-CSRFToken": token() };
    const response = await fetch(command.url, { method: "POST", body: data, headers, redirect: "manual" });
    const answer = await response.json().catch(() => ({})); // else a sign-in page, a proxy's error page
    if (response.status >= 500 || response.status === 429) return "later";
    if (!answer.outcome) {
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) return "sign-in";
      if (response.ok) return "sent";
    }
    if (answer.outcome !== "applied") {
      refusedNow = true;
      const refusal = { key: command.key, what: command.what, message: answer.message || label("Failed"), at: Date.now() };
      await run("refused", "readwrite", (s) => s.put(refusal));
    }
    return "sent";
  }
  async function drain() {
    if (draining) return;
    draining = true;
    clearTimeout(retryTimer);
    let sent = 0;
    let outcome = "sent";
    try {
      for (;;) {
        const [command] = await run("outbox", "readonly", (s) => s.getAll(null, 1));
        if (!command) break;
        outcome = await send(command).catch(() => "later"); // no signal
        signInNeeded = outcome === "sign-in";
        if (outcome !== "sent") break;
        await run("outbox", "readwrite", (s) => s.delete(command.seq));
        sent += 1;
      }
    } finally {
      draining = false;
    }
    await render();
    retryIn = outcome === "later" ? Math.min(retryIn * 2, 60000) : 2000;
    if (outcome === "later") retryTimer = setTimeout(drain, retryIn / 2);
    // All sent: the server's page is the truth (its next buttons, the dispatcher's changes). A trip taken off
    // the driver is no page of theirs any more: the list then, which keeps showing why the press was refused.
    if (!sent || outcome !== "sent") return;
    const gone = refusedNow && (await fetch(location.href, { cache: "no-store" }).catch(() => null))?.status === 404;
    leaving = true;
    if (gone) location.replace("/driver/");
    else location.reload();
  }

  // --- told of changes: offline.json's version every minute while the page is seen, and pushes ---
  const offlineUrl = body.dataset.offlineUrl;
  const loadedOffline = !navigator.onLine;
  let firstCheck = true;
  let leaving = false;
  function reload() {
    leaving = true;
    location.reload();
  }
  async function idle() {
    if (leaving) return false;
    const typing = document.activeElement?.matches("input:not([type=hidden]), textarea, select");
    const [waiting, refused] = await Promise.all([all("outbox"), all("refused")]);
    return !typing && !draining && !waiting.length && !refused.length;
  }
  async function check() {
    if (leaving || !offlineUrl || document.visibilityState !== "visible" || !navigator.onLine) return;
    const response = await fetch(offlineUrl, { cache: "no-store" }).catch(() => null);
    if (!response?.ok || response.redirected) return;
    const version = String((await response.json()).version);
    const known = localStorage.getItem("driver-offline-version");
    const fresh = firstCheck && !loadedOffline; // this page came from the server just now
    firstCheck = false;
    if (known === version) return;
    localStorage.setItem("driver-offline-version", version);
    worker?.controller?.postMessage({ type: "refresh" });
    if (known !== null && !fresh && (await idle())) reload();
  }

  // --- Web Push, offered once the server gives its public key ---
  function keyBytes(text) {
    const raw = atob((text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  async function subscribe(registration) {
    const applicationServerKey = keyBytes(body.dataset.vapidKey);
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
    const headers = { "Content-Type": "application/json", "X-CSRFToken": token() };
    return (await fetch("/driver/push/subscribe", { method: "POST", headers, body: JSON.stringify(subscription) })).ok;
  }
  async function offerPush(registration) {
    if (!body.dataset.vapidKey || !("PushManager" in window) || Notification.permission === "denied") return;
    if (Notification.permission === "granted" && (await registration.pushManager.getSubscription())) return;
    const button = node("button", label("Notify"), "button button--secondary outbox__notify");
    button.type = "button";
    button.addEventListener("click", async () => {
      if ((await Notification.requestPermission()) !== "granted") return;
      if (await subscribe(registration).catch(() => false)) button.remove();
    });
    (area || body.firstElementChild).after(button);
  }

  // --- start ---
  if (window.indexedDB) {
    document.addEventListener("submit", (event) => {
      if (!event.target.matches("form[data-outbox]")) return;
      press(event).catch(() => event.target.submit()); // storage refused (a private window): a plain form
    });
    window.addEventListener("online", () => ((retryIn = 2000), drain().then(check)));
    window.addEventListener("offline", render);
    all("outbox").then((commands) => (replay(commands), render())).then(drain).catch(() => {});
  }
  document.addEventListener("visibilitychange", check);
  setInterval(check, 60000);
  check();
  if (!worker) return;
  worker.addEventListener("message", async (event) => {
    if (event.data?.type === "push" && (await idle())) reload();
  });
  worker
    .register("/driver/sw.js", { scope: "/driver/" })
    .then(async (registration) => {
      // A first visit was fetched before the worker could keep it: keep this page now, and the trips.
      if (offlineUrl) (await worker.ready).active.postMessage({ type: "refresh", urls: [location.pathname] });
      registration.periodicSync?.register("offline", { minInterval: 900000 }).catch(() => {});
      return offerPush(registration);
    })
    .catch(() => {});
})();
