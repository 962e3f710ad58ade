"""The installable app: the service worker script and the version that names its caches.

The worker keeps only the app's own static files (page code, styles, icons, the offline page). It
never stores case data: pages get their data over the socket, and attachments, sign-in and the save
route go straight to the network. Notes waiting for a connection live in the page's outbox
(assets/outbox.js), not here.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"
# Reflex's production build: its file names carry content hashes, so listing them is enough to
# tell one build from another.
BUILD = ROOT / ".web" / "build" / "client"

# Fetched when the worker installs, so the offline page works the first time it is needed.
PRECACHE = (
    "/offline.html",
    "/outbox.js",
    "/layout.js",
    "/styles.css",
    "/manifest.webmanifest",
    "/icon.svg",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/maskable-512.png",
    "/icons/apple-touch-icon.png",
    "/icons/favicon-32.png",
)

# Never from a cache, never into one: these carry case data, sessions or live events.
NETWORK_ONLY = ("/files/", "/auth/", "/api/", "/_event/", "/_upload", "/ping", "/_health",
                "/sw.js")

_WORKER = r"""
const VERSION = __VERSION__;
const SHELL = 'caseline-shell-' + VERSION;
const PRECACHE = __PRECACHE__;
const NETWORK_ONLY = __NETWORK_ONLY__;
const STATIC = /\.(?:js|mjs|css|woff2?|ttf|png|svg|ico|webmanifest)$/;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    // One at a time, so one missing file does not stop the rest from being kept.
    await Promise.all(PRECACHE.map((path) =>
      cache.add(new Request(path, {cache: 'reload'})).catch(() => undefined)));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('caseline-') && key !== SHELL) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function networkOnly(url) {
  return NETWORK_ONLY.some((prefix) => url.pathname.startsWith(prefix));
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // Pages always come from the network; with no network, the offline page says what is kept.
    event.respondWith(fetch(request).catch(async () =>
      (await caches.match('/offline.html', {cacheName: SHELL})) || Response.error()));
    return;
  }
  if (networkOnly(url) || !STATIC.test(url.pathname)) return;
  event.respondWith((async () => {
    const cache = await caches.open(SHELL);
    const hit = await cache.match(request, {ignoreSearch: PRECACHE.includes(url.pathname)});
    if (hit) return hit;
    const response = await fetch(request);
    const control = response.headers.get('Cache-Control') || '';
    if (response.ok && response.type === 'basic' && !/no-store|private/.test(control)) {
      cache.put(request, response.clone());
    }
    return response;
  })());
});
"""


def _digest_inputs() -> list[bytes]:
    parts = [_WORKER.encode()]
    for path in PRECACHE:
        file = ASSETS / path.lstrip("/")
        parts.append(path.encode())
        parts.append(file.read_bytes() if file.is_file() else b"-")
    if BUILD.is_dir():
        parts.extend(sorted(str(p.relative_to(BUILD)).encode() for p in BUILD.rglob("*")
                            if p.is_file()))
    return parts


@lru_cache(maxsize=1)
def shell_version() -> str:
    """Changes whenever the app's files change, so an update replaces the old caches."""
    h = hashlib.sha256()
    for part in _digest_inputs():
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:16]


def service_worker_script() -> str:
    return (_WORKER.replace("__VERSION__", json.dumps(shell_version()))
            .replace("__PRECACHE__", json.dumps(list(PRECACHE)))
            .replace("__NETWORK_ONLY__", json.dumps(list(NETWORK_ONLY))))
