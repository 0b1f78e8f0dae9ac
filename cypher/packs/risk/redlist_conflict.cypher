// ---
// id: redlist_conflict
// title: Redlisted subjects that are blacklisted or controlled by a blacklisted subject
// title_zh: 红名单主体本身失信，或其法定代表人、控制人失信
// description: >
//   A subject with a redlist entry (list type of kind redlist) active on as_of that itself has
//   an active blacklist entry (relation self), or that a subject with an active blacklist
//   entry reaches within max_hops current relationships pointing towards it: LEGAL_REP_OF, or
//   SHAREHOLDER_OF with a ratio of at least min_ratio (control). relation tells what the
//   blacklisted subject is at the start of the path - legal_rep (of the redlisted subject
//   or of a controller of it) or controller (directly, or through a subject it controls).
//   One row per redlisted subject, blacklisted subject and path. Paths are node-simple and
//   do not pass through a hub unless through_hubs is set. disputed is true when any redlist
//   or blacklist entry of the row is disputed.
// severity: high
// parameters:
//   as_of: {type: date, default: today, description: Only entries active on this date count.}
//   max_hops: {type: int, default: 2, min: 1, max: 3, path_bound: true, description: Longest chain of legal representation or control followed from the blacklisted subject.}
//   min_ratio: {type: float, default: 0.5, min: 0.0, max: 1.0, description: Smallest shareholding ratio that counts as control (0.5 is 控股).}
//   limit: {type: int, default: 1000, min: 1, max: 100000, description: Most rows returned.}
// columns:
//   redlisted_sid: The redlisted subject (sid).
//   redlisted_name: Its name.
//   relation: self, legal_rep or controller (what the blacklisted subject is).
//   blacklisted_sid: The blacklisted subject (sid); the redlisted one for self.
//   blacklisted_name: Its name.
//   hops: Length of the path (0 for self).
//   path: "The path from the blacklisted to the redlisted subject, as a map of nodes (sid, name, labels) and relationships (type, from, to, ratio, since); null for self."
//   redlist_entries: "Active redlist entries of the redlisted subject: {id, list_type, decision_no, department, department_code, start_date, end_date, status, disputed}."
//   blacklist_entries: Active blacklist entries of the blacklisted subject, same fields.
//   disputed: true when any of the entries is disputed.
// ---
MATCH (s:Subject)-[rlr:LISTED]->(r:ListEntry)
WHERE rlr.valid_to IS NULL AND r.list_type IN $redlists AND r.status = 'active'
  AND r.start_date <= $as_of AND (r.end_date IS NULL OR r.end_date >= $as_of)
  AND (r.valid_to IS NULL OR r.valid_to > $as_of)
OPTIONAL MATCH (r)-[rib:ISSUED_BY]->(rdep:Department)
WHERE rib.valid_to IS NULL
WITH s, collect({id: r.id, list_type: r.list_type, decision_no: r.decision_no,
                 department: rdep.name, department_code: rdep.code, start_date: r.start_date,
                 end_date: r.end_date, status: r.status, disputed: r.disputed}) AS redlist_entries
CALL {
  WITH s
  RETURN s AS b, null AS found
  UNION ALL
  WITH s
  MATCH p = (b:Subject)-[:LEGAL_REP_OF|SHAREHOLDER_OF*1..2/*max_hops*/]->(s)
  WHERE all(x IN relationships(p) WHERE x.valid_to IS NULL
                                    AND (type(x) = 'LEGAL_REP_OF' OR x.ratio >= $min_ratio))
    AND all(x IN nodes(p) WHERE single(y IN nodes(p) WHERE y = x))
  // Hubs between the two. UNWIND first: FalkorDB ignores a list comprehension's variable
  // inside a pattern comprehension and would count the whole graph.
  CALL {
    WITH p
    UNWIND nodes(p)[1..length(p)] AS mid
    WITH mid, size([(mid)-[h:SHAREHOLDER_OF|LEGAL_REP_OF|EXECUTIVE_OF|SPONSORS|SUPERVISES]-()
                    WHERE h.valid_to IS NULL | h]) AS degree
    WITH mid, degree
    WHERE mid.hub = true OR degree >= $hub_threshold
    RETURN count(mid) AS hubs
  }
  WITH b, p, hubs
  WHERE $through_hubs OR hubs = 0
  RETURN b, p AS found
}
// Re-bind: FalkorDB treats a variable a CALL { ... UNION ... } returns as unbound in the next
// MATCH or pattern comprehension (it would match every listed subject).
WITH s, redlist_entries, b, found
MATCH (b)-[blr:LISTED]->(l:ListEntry)
WHERE blr.valid_to IS NULL AND l.list_type IN $blacklists AND l.status = 'active'
  AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
  AND (l.valid_to IS NULL OR l.valid_to > $as_of)
OPTIONAL MATCH (l)-[lib:ISSUED_BY]->(ldep:Department)
WHERE lib.valid_to IS NULL
WITH s, redlist_entries, b, found,
     collect({id: l.id, list_type: l.list_type, decision_no: l.decision_no,
              department: ldep.name, department_code: ldep.code, start_date: l.start_date,
              end_date: l.end_date, status: l.status, disputed: l.disputed}) AS blacklist_entries
WITH s, redlist_entries, b, found, blacklist_entries,
     CASE WHEN found IS NULL THEN [] ELSE nodes(found) END AS ns,
     CASE WHEN found IS NULL THEN [] ELSE relationships(found) END AS rs
RETURN s.sid AS redlisted_sid, s.name AS redlisted_name,
       CASE WHEN size(rs) = 0 THEN 'self'
            WHEN type(rs[0]) = 'LEGAL_REP_OF' THEN 'legal_rep' ELSE 'controller' END AS relation,
       b.sid AS blacklisted_sid, b.name AS blacklisted_name, size(rs) AS hops,
       CASE WHEN size(rs) = 0 THEN null ELSE {
         nodes: [n IN ns | {sid: n.sid, name: n.name, labels: labels(n)}],
         relationships: [i IN range(0, size(rs) - 1) | {type: type(rs[i]), from: ns[i].sid,
           to: ns[i + 1].sid, ratio: rs[i].ratio, since: rs[i].since}]} END AS path,
       redlist_entries, blacklist_entries,
       any(x IN redlist_entries + blacklist_entries WHERE x.disputed = true) AS disputed
ORDER BY redlisted_sid, hops, blacklisted_sid, relation
LIMIT $limit
