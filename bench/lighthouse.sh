#!/usr/bin/env bash
# Lighthouse 12 (mobile, its default form factor) on the home page, the transfer results and the transfer booking
# form, and on the drivers' app (its sign-in page, a demo driver's list and trip, signed in by a session cookie),
# against the site as bench/site.py serves it (gunicorn, DEBUG=0, demo data, compressed static files).
# Needs Node's npx and the npm registry (npx fetches lighthouse@12 once) and Debian's Chromium (`make browser`).
# Prints the performance and accessibility scores; the full reports go to var/lighthouse/<page>.report.{json,html}.
# Not part of `make test`: the scores depend on the machine's load. Usage: bench/lighthouse.sh [site.py options]
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=var/lighthouse
mkdir -p "$OUT"
LOG=$(mktemp)
.venv/bin/python bench/site.py --serve "$@" >"$LOG" 2>&1 &
SERVER=$!
stop() {
  # site.py stops gunicorn and removes its scratch database on SIGTERM.
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -f "$LOG"
}
trap stop EXIT

for _ in $(seq 1 300); do
  grep -q '^READY ' "$LOG" && break
  if ! kill -0 "$SERVER" 2>/dev/null; then
    cat "$LOG"
    echo "bench/site.py --serve stopped before the site was up" >&2
    exit 1
  fi
  sleep 1
done
grep -q '^READY ' "$LOG" || { cat "$LOG"; echo "the site was not up after 300 s" >&2; exit 1; }
read -r _ BASE HOME RESULTS FORM _TOUR DRIVER_COOKIE DRIVER_LIST DRIVER_TRIP < <(grep '^READY ' "$LOG")

CHROME_FLAGS="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking \
--disable-component-update --no-first-run"
printf '%-14s %11s %13s  %s\n' page performance accessibility url
# The drivers' app's pages are opened signed in (a demo driver's session cookie); its sign-in page without.
for entry in "home $HOME" "results $RESULTS" "transfer-form $FORM" "driver-sign-in /driver/sign-in/" \
  "driver-list $DRIVER_LIST" "driver-trip $DRIVER_TRIP"; do
  read -r name path <<<"$entry"
  HEADERS=()
  case "$name" in
  driver-list | driver-trip) HEADERS=(--extra-headers="{\"Cookie\": \"$DRIVER_COOKIE\"}") ;;
  esac
  # Lighthouse sometimes loses its trace on a busy machine (NO_NAVSTART); one more try, then give up.
  for attempt in 1 2; do
    if CHROME_PATH=/usr/bin/chromium npx --yes lighthouse@12 "$BASE$path" --quiet \
      --chrome-flags="$CHROME_FLAGS" --only-categories=performance,accessibility "${HEADERS[@]}" \
      --output=json --output=html --output-path="$OUT/$name"; then
      break
    fi
    [ "$attempt" = 2 ] && { echo "lighthouse failed twice on $BASE$path" >&2; exit 1; }
  done
  .venv/bin/python - "$OUT/$name.report.json" "$name" "$BASE$path" <<'EOF'
import json
import sys

report = json.load(open(sys.argv[1], encoding="utf-8"))
audits = report["audits"]
scores = {key: round(100 * (category["score"] or 0)) for key, category in report["categories"].items()}
metrics = ", ".join(
    f"{label} {audits[key]['displayValue']}"
    for label, key in (("FCP", "first-contentful-paint"), ("LCP", "largest-contentful-paint"),
                       ("TBT", "total-blocking-time"), ("CLS", "cumulative-layout-shift"))
)
print(f"{sys.argv[2]:<14} {scores['performance']:>11} {scores['accessibility']:>13}  {sys.argv[3]}")
print(f"{'':<14} {metrics}")
weights = {ref["id"]: ref["weight"] for category in report["categories"].values() for ref in category["auditRefs"]}
failed = sorted(
    f"{key}{'' if weights.get(key) else ' (not scored)'}"
    for key, audit in audits.items()
    if audit.get("score") == 0 and audit.get("scoreDisplayMode") == "binary"
)
if failed:
    print(f"{'':<14} failed audits: {', '.join(failed)}")
EOF
done
