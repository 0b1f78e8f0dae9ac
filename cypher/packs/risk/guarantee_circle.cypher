// ---
// id: guarantee_circle
// title: Guarantee circles, and guarantee chains that reach a listed debtor
// title_zh: 互保圈与担保链（担保链延伸至失信主体）
// description: >
//   Two kinds of row. kind = cycle: subjects guaranteeing each other in a circle of 2 to 6
//   current GUARANTEES (联保/互保圈), one row per circle, starting at the member with the
//   smallest sid; entries are the active blacklist entries of its members (evidence only, a
//   circle is reported without any). kind = chain: a guarantor whose guarantees lead, in 1 to
//   max_hops current GUARANTEES, to a debtor with a blacklist entry active on as_of (担保链
//   风险), one row per guarantor and path; entries are the debtor's active blacklist entries.
//   A chain does not pass through a hub (between guarantor and debtor) unless through_hubs is
//   set; circles are structural and kept whoever is in them. Paths are node-simple.
//   disputed is true when any entry of the row is disputed.
// severity: high
// parameters:
//   as_of: {type: date, default: today, description: Only entries active on this date count.}
//   max_hops: {type: int, default: 3, min: 1, max: 6, path_bound: true, description: Longest guarantee chain followed to a listed debtor.}
//   limit: {type: int, default: 1000, min: 1, max: 100000, description: Most rows returned.}
// columns:
//   kind: cycle or chain.
//   subject_sid: The circle's first member (smallest sid), or the guarantor at the start of the chain.
//   subject_name: Its name.
//   listed_sid: The listed debtor the chain reaches (null for a cycle).
//   listed_name: Its name (null for a cycle).
//   hops: Number of guarantees in the circle or chain.
//   path: "The path, in guarantee direction, as a map of nodes (sid, name, labels) and relationships (type, from, to, amount, since, until); a circle ends at its first member again."
//   entries: Active blacklist entries ({id, list_type, decision_no, department, department_code, start_date, end_date, status, disputed, subject_sid}).
//   disputed: true when any of the entries is disputed.
// ---
CALL {
  // Circles start at a guarantor: an Enterprise or Organisation (two label scans, much
  // smaller than Subject's). Re-bound with WITH: FalkorDB treats a variable a
  // CALL { ... UNION ... } returns as unbound in the next MATCH.
  CALL {
    MATCH (e:Enterprise)-[:GUARANTEES]->()
    RETURN DISTINCT e
    UNION
    MATCH (e:Organisation)-[:GUARANTEES]->()
    RETURN DISTINCT e
  }
  WITH e
  // One fixed first hop, then the rest (portability trap 4); each circle is kept once, in
  // the rotation that starts at the member with the smallest sid.
  MATCH p = (e)-[:GUARANTEES]->(:Subject)-[:GUARANTEES*1..5]->(e)
  WHERE all(r IN relationships(p) WHERE r.valid_to IS NULL)
    AND all(x IN tail(nodes(p)) WHERE single(y IN tail(nodes(p)) WHERE y = x))
    AND e.sid = reduce(low = e.sid, x IN [n IN nodes(p) | n.sid] | CASE WHEN x < low THEN x ELSE low END)
  UNWIND tail(nodes(p)) AS member
  OPTIONAL MATCH (member)-[lr:LISTED]->(l:ListEntry)
  WHERE lr.valid_to IS NULL AND l.list_type IN $blacklists AND l.status = 'active'
    AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
    AND (l.valid_to IS NULL OR l.valid_to > $as_of)
  OPTIONAL MATCH (l)-[ib:ISSUED_BY]->(dep:Department)
  WHERE ib.valid_to IS NULL
  WITH e, p, collect(CASE WHEN l IS NULL THEN null ELSE {
         id: l.id, list_type: l.list_type, decision_no: l.decision_no, department: dep.name,
         department_code: dep.code, start_date: l.start_date, end_date: l.end_date,
         status: l.status, disputed: l.disputed, subject_sid: member.sid} END) AS entries
  RETURN 'cycle' AS kind, e AS subject, null AS listed, p AS found, entries
  UNION ALL
  // Chains, anchored on the (few) active blacklist entries.
  MATCH (d:Subject)-[lr:LISTED]->(l:ListEntry)
  WHERE lr.valid_to IS NULL AND l.list_type IN $blacklists AND l.status = 'active'
    AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
    AND (l.valid_to IS NULL OR l.valid_to > $as_of)
  OPTIONAL MATCH (l)-[ib:ISSUED_BY]->(dep:Department)
  WHERE ib.valid_to IS NULL
  WITH d, collect({
         id: l.id, list_type: l.list_type, decision_no: l.decision_no, department: dep.name,
         department_code: dep.code, start_date: l.start_date, end_date: l.end_date,
         status: l.status, disputed: l.disputed, subject_sid: d.sid}) AS entries
  MATCH p = (g:Subject)-[:GUARANTEES*1..3/*max_hops*/]->(d)
  WHERE all(r IN relationships(p) WHERE r.valid_to IS NULL)
    AND all(x IN nodes(p) WHERE single(y IN nodes(p) WHERE y = x))
  // Hubs between guarantor and debtor. UNWIND first: FalkorDB ignores a list comprehension's
  // variable inside a pattern comprehension and would count the whole graph.
  CALL {
    WITH p
    UNWIND nodes(p)[1..length(p)] AS mid
    WITH mid, size([(mid)-[h:SHAREHOLDER_OF|LEGAL_REP_OF|EXECUTIVE_OF|SPONSORS|SUPERVISES]-()
                    WHERE h.valid_to IS NULL | h]) AS degree
    WITH mid, degree
    WHERE mid.hub = true OR degree >= $hub_threshold
    RETURN count(mid) AS hubs
  }
  WITH g, d, p, entries, hubs
  WHERE $through_hubs OR hubs = 0
  RETURN 'chain' AS kind, g AS subject, d AS listed, p AS found, entries
}
WITH kind, subject, listed, found, entries, nodes(found) AS ns, relationships(found) AS rs
RETURN kind, subject.sid AS subject_sid, subject.name AS subject_name,
       CASE WHEN listed IS NULL THEN null ELSE listed.sid END AS listed_sid,
       CASE WHEN listed IS NULL THEN null ELSE listed.name END AS listed_name,
       size(rs) AS hops,
       {nodes: [n IN ns | {sid: n.sid, name: n.name, labels: labels(n)}],
        relationships: [i IN range(0, size(rs) - 1) | {type: type(rs[i]), from: ns[i].sid,
          to: ns[i + 1].sid, amount: rs[i].amount, since: rs[i].since, until: rs[i].until}]} AS path,
       entries,
       any(x IN entries WHERE x.disputed = true) AS disputed
ORDER BY kind DESC, subject_sid, listed_sid, hops
LIMIT $limit
