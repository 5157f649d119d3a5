# Every PromQL query of a Grafana dashboard, with Grafana's variables replaced the
# way Grafana would for a given selection. One JSON object per query:
#   {"dashboard": uid, "panel": title, "ref": refId, "expr": PromQL}
# Variables (jq --arg): job, sensor (a regex), top, rate_interval, range, range_s,
# interval, port. Panels nested in collapsed rows are included.
def subst:
  gsub("\\$__rate_interval"; $rate_interval)
  | gsub("\\$__range_s"; $range_s)
  | gsub("\\$__range"; $range)
  | gsub("\\$__interval"; $interval)
  | gsub("\\$\\{?job\\}?"; $job)
  | gsub("\\$\\{?sensor\\}?"; $sensor)
  | gsub("\\$\\{?top\\}?"; $top)
  | gsub("\\$\\{?port\\}?"; $port);
.uid as $uid
| [.panels[] | ., (.panels // [])[]]
| .[]
| select(.type != "row")
| .title as $title
| (.targets // [])[]
| {dashboard: $uid, panel: $title, ref: .refId, expr: (.expr | subst)}
