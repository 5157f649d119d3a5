#!/usr/bin/env bash
# check_alerts.sh — the alert rules follow the monitoring-mixin conventions:
# prometheus/rules/darkscope-alerts.yml is what prometheus/render-alerts.sh renders
# from its template; every metric selector of every alert carries the one job
# selector (checked by rendering with a sentinel selector); every alert has a
# runbook_url whose anchor is a heading of docs/runbook.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

bash "$root/prometheus/render-alerts.sh" --check || fail=1
grep -v '^ *#' "$root/prometheus/alerts/darkscope-alerts.yml.in" | grep 'job=' && err "the template names a job itself"

bash "$root/prometheus/render-alerts.sh" --selector 'sentinel="s"' --runbook-url RB --out "$tmp/alerts.yml"
alerts=$(yq -r '.groups[].rules[] | select(.alert) | .alert' "$tmp/alerts.yml")
[ -n "$alerts" ] || err "no alerts"
# GitHub's anchors of docs/runbook.md's headings: lower case, spaces to dashes.
anchors=$(sed -n 's/^#\{1,6\} \+//p' "$root/docs/runbook.md" | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9_\n-')
for a in $alerts; do
  expr=$(yq -r --arg a "$a" '.groups[].rules[] | select(.alert == $a) | .expr' "$tmp/alerts.yml")
  # Each selector of a metric (up or darkscope_*), its braces included when present.
  while read -r sel; do
    [ -n "$sel" ] || continue
    case "$sel" in *'sentinel="s"'*) ;; *) err "$a: selector without the job selector: $sel" ;; esac
  done < <(grep -oE '\b(up|darkscope_[a-z0-9_]+)(\{[^}]*\})?' <<<"$expr")
  url=$(yq -r --arg a "$a" '.groups[].rules[] | select(.alert == $a) | .annotations.runbook_url // ""' "$tmp/alerts.yml")
  [ "${url%%#*}" = RB ] || err "$a: runbook_url '$url' does not start with the configured runbook URL"
  anchor=${url#*#}
  [ "$anchor" = "${a,,}" ] || err "$a: runbook_url anchor '$anchor' is not the alert's name"
  grep -qxF -- "$anchor" <<<"$anchors" || err "$a: docs/runbook.md has no heading for #$anchor"
done
[ "$fail" = 0 ] && echo "ok: $(wc -w <<<"$alerts") alerts: one job selector, a runbook entry each"
exit "$fail"
