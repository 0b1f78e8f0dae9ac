// ---
// id: circular_shareholding
// title: Circular shareholding (ownership cycles of 2 to 6 enterprises)
// title_zh: 循环持股
// description: >
//   Enterprises that hold each other in a cycle: member i holds member i+1 and the last holds
//   the first, over current SHAREHOLDER_OF relationships (valid_to IS NULL). One row per cycle:
//   the cycle is node-simple (no enterprise twice) and is reported once, from the rotation that
//   starts at its smallest sid, in holding order.
//
//   Portable form. The cycle is matched as (e)-[:SHAREHOLDER_OF]->(n)-[:SHAREHOLDER_OF*1..5]->(e)
//   (trap 4 of cypher-portability.md: nodes(p) of (e)-[*2..6]->(e) may not follow
//   relationships(p) on FalkorDB), node-simple by single() over tail(nodes(p)), and kept only
//   when e has the minimum sid of its members. The pattern's bound 5 is the longest supported
//   cycle (6) minus its first step, so it is a literal; max_length filters below it.
//
//   Evidence also lists the members' blacklist entries active on the as-of date (status active,
//   start_date <= as_of, end_date null or >= as_of, valid_to null or after as_of), and disputed
//   is true when one of them is disputed.
// severity: medium
// parameters:
//   as_of: {type: date, default: today, description: Date on which the members' list entries are reported as active.}
//   max_length: {type: int, default: 6, min: 2, max: 6, description: Longest cycle reported (number of enterprises).}
//   limit: {type: int, default: 1000, min: 1, max: 1000000, description: Most rows returned.}
// columns:
//   cycle_length: Number of enterprises in the cycle.
//   members: Their sids, from the smallest, each holding the next (the last holds the first).
//   member_names: Their names, in the same order.
//   ratios: ratio of each holding, member i in member i+1 (the last in the first).
//   listed_members: sids of members with an active blacklist entry on the as-of date.
//   disputed: true when one of those entries is disputed.
//   evidence: "{path: [node, relationship, node, ...] back to the first member, with nodes {sid, name, labels} and relationships {type, from, to, ratio, since}; entries: [{subject_sid, id, list_type, severity, decision_no, start_date, end_date, status, disputed}]}."
// ---
MATCH p = (e:Enterprise)-[:SHAREHOLDER_OF]->(:Enterprise)-[:SHAREHOLDER_OF*1..5]->(e)
WHERE length(p) <= $max_length
  AND all(r IN relationships(p) WHERE r.valid_to IS NULL)
  AND all(x IN tail(nodes(p)) WHERE single(y IN tail(nodes(p)) WHERE y = x))
  AND e.sid = reduce(m = e.sid, x IN nodes(p) | CASE WHEN x.sid < m THEN x.sid ELSE m END)
WITH e, p, [x IN nodes(p)[0..length(p)] | x.sid] AS members
ORDER BY length(p), members
LIMIT $limit
UNWIND tail(nodes(p)) AS member
OPTIONAL MATCH (member)-[:LISTED]->(le:ListEntry)
WITH e, p, members,
     collect(CASE WHEN le.list_type IN $blacklists AND le.status = 'active'
                   AND le.start_date <= $as_of AND (le.end_date IS NULL OR le.end_date >= $as_of)
                   AND (le.valid_to IS NULL OR le.valid_to > $as_of)
              THEN {subject_sid: member.sid, id: le.id, list_type: le.list_type,
                    severity: le.severity, decision_no: le.decision_no,
                    start_date: le.start_date, end_date: le.end_date, status: le.status,
                    disputed: coalesce(le.disputed, false)} END) AS entries
RETURN length(p) AS cycle_length,
       members,
       [x IN nodes(p)[0..length(p)] | x.name] AS member_names,
       [r IN relationships(p) | r.ratio] AS ratios,
       reduce(acc = [], x IN entries | CASE WHEN x.subject_sid IN acc THEN acc ELSE acc + [x.subject_sid] END) AS listed_members,
       any(x IN entries WHERE x.disputed) AS disputed,
       {path: reduce(acc = [{sid: e.sid, name: e.name, labels: labels(e)}], i IN range(0, length(p) - 1) |
                acc + [{type: type(relationships(p)[i]), from: startNode(relationships(p)[i]).sid,
                        to: endNode(relationships(p)[i]).sid, ratio: relationships(p)[i].ratio,
                        since: relationships(p)[i].since},
                       {sid: nodes(p)[i + 1].sid, name: nodes(p)[i + 1].name, labels: labels(nodes(p)[i + 1])}]),
        entries: entries} AS evidence
ORDER BY cycle_length, members
