#!/usr/bin/env bash
# check_dashboards.sh — static checks of grafana/: every dashboard is plain JSON a
# stock Grafana provisions as it is (fixed uid, "id": null, a datasource variable
# used by every panel, no import inputs, the job → sensor variables), and every
# panel query is valid PromQL once Grafana's variables are replaced (each is
# checked by promtool as the expression of a recording rule).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

shopt -s nullglob
dashboards=("$root"/grafana/dashboards/*.json)
[ "${#dashboards[@]}" -ge 1 ] || err "no dashboards in grafana/dashboards"

for f in "${dashboards[@]}"; do
  name=$(basename "$f")
  jq -e . "$f" >/dev/null || { err "$name: not JSON"; continue; }
  jq -e '.id == null' "$f" >/dev/null || err "$name: \"id\" must be null"
  jq -e '.uid | type == "string" and test("^[a-z0-9-]{1,40}$")' "$f" >/dev/null || err "$name: uid must be fixed (lowercase, <= 40 chars)"
  jq -e '.schemaVersion >= 36' "$f" >/dev/null || err "$name: schemaVersion older than Grafana 9"
  grep -q 'DS_' "$f" && err "$name: names an import input (\${DS_...}); provisioning cannot fill it"
  jq -e 'has("__inputs") | not' "$f" >/dev/null || err "$name: has __inputs"
  jq -e '[.templating.list[] | select(.name == "datasource" and .type == "datasource" and .query == "prometheus")] | length == 1' \
    "$f" >/dev/null || err "$name: no datasource variable of type prometheus"
  jq -e '[.templating.list[] | select(.name == "sensor" and .multi == true and .includeAll == true
          and (.definition | test("^label_values\\(darkscope_build_info(\\{job=~\"\\$job\"\\})?, sensor\\)$")))] | length == 1' \
    "$f" >/dev/null || err "$name: no multi-select sensor variable over label_values(darkscope_build_info, sensor)"
  bad=$(jq -r '[.panels[] | ., (.panels // [])[]] | .[] | select(.type != "row")
                | select(.datasource.uid != "${datasource}" or ([.targets[]? | select(.datasource.uid != "${datasource}")] | length > 0))
                | .title' "$f")
  [ -z "$bad" ] || err "$name: panels not on the \${datasource} variable: $bad"
  dup=$(jq -r '[.panels[] | ., (.panels // [])[]] | group_by(.id) | .[] | select(length > 1) | .[0].id' "$f")
  [ -z "$dup" ] || err "$name: panel ids used twice: $dup"
  empty=$(jq -r '[.panels[] | ., (.panels // [])[]] | .[] | select(.type != "row") | select((.targets // []) | length == 0) | .title' "$f")
  [ -z "$empty" ] || err "$name: panels without a query: $empty"
done
uids=$(jq -r .uid "${dashboards[@]}" | sort)
[ "$uids" = "$(sort -u <<<"$uids")" ] || err "two dashboards share a uid"

# Every query, with Grafana's variables replaced, must parse: promtool checks each
# as a recording rule.
{
  echo "groups:"
  echo "  - name: dashboard-queries"
  echo "    rules:"
  for f in "${dashboards[@]}"; do
    jq -c --arg job darkscope --arg sensor '(sensor-a|sensor-b)' --arg top 10 --arg rate_interval 1m \
      --arg range 1h --arg range_s 3600 --arg interval 1m --arg port 445 -f "$here/dashboard_queries.jq" "$f"
  done | jq -r '"      - record: dashboard:query:\(.ref | ascii_downcase)\n        expr: \(.expr | @json)"'
} >"$tmp/queries.yml"
n=$(grep -c 'record:' "$tmp/queries.yml" || true)
[ "$n" -ge 1 ] || err "no queries found"
if grep -q '\$' "$tmp/queries.yml"; then err "a variable is left unreplaced:"; grep -n '\$' "$tmp/queries.yml" >&2; fi
promtool check rules "$tmp/queries.yml" >"$tmp/promtool.out" 2>&1 || { cat "$tmp/promtool.out" >&2; err "promtool rejects a dashboard query"; }

[ "$fail" -eq 0 ] || exit 1
echo "ok: ${#dashboards[@]} dashboards, $n queries"
