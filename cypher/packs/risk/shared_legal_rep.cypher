// ---
// id: shared_legal_rep
// title: Subjects sharing a legal representative or controlling shareholder with a listed subject
// title_zh: 与失信主体共用法定代表人或控股股东的主体
// description: >
//   Subjects whose legal representative or controlling shareholder is also the legal
//   representative or controlling shareholder of a subject with an active blacklist entry on the
//   as-of date. One row per (entry, subject found, shared person or entity).
//
//   Rules. An entry counts when its list type is in $blacklists, status = 'active',
//   start_date <= as_of, end_date is null or >= as_of, and valid_to is null or after as_of.
//   X is linked to a subject S when X -LEGAL_REP_OF-> S or X -SHAREHOLDER_OF-> S with
//   ratio >= controlling_ratio, over current relationships (valid_to IS NULL). A row is an
//   entry of listed subject L, a shared X linked to L, and a subject S <> L linked to X. X must
//   not be a hub (hub = true, or a degree over current SHAREHOLDER_OF|LEGAL_REP_OF|EXECUTIVE_OF|
//   SPONSORS|SUPERVISES of at least $hub_threshold) unless $through_hubs: a nominee holder or a
//   state-asset administration that controls hundreds of companies links nothing.
//
//   Portable forms. The two legs are separate MATCH clauses and the other subject must differ
//   from the listed one (trap 5 of cypher-portability.md: FalkorDB can bind one relationship
//   to both legs). The hub degree is an OPTIONAL MATCH and a count, not a pattern
//   comprehension (FalkorDB runs one per row, far slower, and refuses one in a WHERE).
// severity: high
// parameters:
//   as_of: {type: date, default: today, description: Only entries active on this date count.}
//   controlling_ratio: {type: float, default: 0.5, min: 0.0, max: 1.0, description: A shareholder holding at least this fraction is a controlling shareholder.}
//   limit: {type: int, default: 1000, min: 1, max: 1000000, description: Most rows returned.}
// columns:
//   subject_sid: Subject found (sid).
//   subject_name: Its name.
//   shared_sid: The shared legal representative or controlling shareholder (sid).
//   shared_name: Its name.
//   roles_at_subject: "What the shared one is to the subject found: legal_rep and/or controlling_shareholder."
//   roles_at_listed: "What the shared one is to the listed subject: legal_rep and/or controlling_shareholder."
//   listed_sid: The listed subject (sid).
//   listed_name: Its name.
//   entry_id: The list entry (id).
//   list_type: Its list type.
//   disputed: true when the entry is disputed (异议); the finding must be shown as such.
//   evidence: "{entry: {id, list_type, severity, decision_no, department, department_code, start_date, end_date, status, disputed}, path: [listed, relationship, shared, relationship, subject]} with nodes {sid, name, labels} and relationships {type, from, to, ratio, since}."
// ---
MATCH (l:ListEntry)
WHERE l.list_type IN $blacklists AND l.status = 'active'
  AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
  AND (l.valid_to IS NULL OR l.valid_to > $as_of)
MATCH (s:Subject)-[:LISTED]->(l)
MATCH (s)<-[r1:LEGAL_REP_OF|SHAREHOLDER_OF]-(x:Subject)
WHERE r1.valid_to IS NULL AND (type(r1) = 'LEGAL_REP_OF' OR r1.ratio >= $controlling_ratio)
  AND ($through_hubs OR NOT coalesce(x.hub, false))
WITH l, s, x, collect(r1) AS at_listed
// The degree of x, for the hub rule (an expansion and a count: much faster on FalkorDB than a
// pattern comprehension, which also cannot stand in a WHERE there).
OPTIONAL MATCH (x)-[hr:SHAREHOLDER_OF|LEGAL_REP_OF|EXECUTIVE_OF|SPONSORS|SUPERVISES]-()
WITH l, s, x, at_listed, sum(CASE WHEN hr IS NOT NULL AND hr.valid_to IS NULL THEN 1 ELSE 0 END) AS degree
WHERE $through_hubs OR degree < $hub_threshold
MATCH (x)-[r2:LEGAL_REP_OF|SHAREHOLDER_OF]->(t:Subject)
WHERE t <> s AND r2.valid_to IS NULL AND (type(r2) = 'LEGAL_REP_OF' OR r2.ratio >= $controlling_ratio)
WITH l, s, x, at_listed, t, collect(r2) AS at_subject
ORDER BY l.id, t.sid, x.sid
LIMIT $limit
OPTIONAL MATCH (l)-[:ISSUED_BY]->(d:Department)
RETURN t.sid AS subject_sid, t.name AS subject_name, x.sid AS shared_sid, x.name AS shared_name,
       [r IN at_subject | CASE type(r) WHEN 'LEGAL_REP_OF' THEN 'legal_rep' ELSE 'controlling_shareholder' END] AS roles_at_subject,
       [r IN at_listed | CASE type(r) WHEN 'LEGAL_REP_OF' THEN 'legal_rep' ELSE 'controlling_shareholder' END] AS roles_at_listed,
       s.sid AS listed_sid, s.name AS listed_name, l.id AS entry_id, l.list_type AS list_type,
       coalesce(l.disputed, false) AS disputed,
       {entry: {id: l.id, list_type: l.list_type, severity: l.severity, decision_no: l.decision_no,
                department: d.name, department_code: d.code, start_date: l.start_date,
                end_date: l.end_date, status: l.status, disputed: coalesce(l.disputed, false)},
        path: [{sid: s.sid, name: s.name, labels: labels(s)}]
              + [r IN at_listed | {type: type(r), from: x.sid, to: s.sid, ratio: r.ratio, since: r.since}]
              + [{sid: x.sid, name: x.name, labels: labels(x)}]
              + [r IN at_subject | {type: type(r), from: x.sid, to: t.sid, ratio: r.ratio, since: r.since}]
              + [{sid: t.sid, name: t.name, labels: labels(t)}]} AS evidence
ORDER BY entry_id, subject_sid, shared_sid
