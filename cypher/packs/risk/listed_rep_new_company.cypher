// ---
// id: listed_rep_new_company
// title: Legal representative of a listed enterprise takes over a company set up after the listing
// title_zh: 金蝉脱壳：失信企业法定代表人或控股股东在列入后新设或入股企业
// description: >
//   金蝉脱壳 (shedding the cicada's shell): the legal representative or controlling shareholder
//   of an enterprise with an active blacklist entry is legal representative or shareholder of
//   another enterprise established after the entry's start date (the listing date). One row per
//   (entry, person or entity, new enterprise).
//
//   Rules. An entry counts when its list type is in $blacklists, status = 'active',
//   start_date <= as_of, end_date is null or >= as_of, and valid_to is null or after as_of.
//   X is linked to the listed enterprise L by a current LEGAL_REP_OF, or a current
//   SHAREHOLDER_OF with ratio >= controlling_ratio; X has a current LEGAL_REP_OF or
//   SHAREHOLDER_OF (any ratio) to an enterprise N <> L with
//   entry.start_date < N.established <= as_of. X must not be a hub (hub = true, or a degree over
//   current SHAREHOLDER_OF|LEGAL_REP_OF|EXECUTIVE_OF|SPONSORS|SUPERVISES of at least
//   $hub_threshold) unless $through_hubs. Day counts are left to the client (dates are returned).
//
//   Portable forms. The two legs are separate MATCH clauses and the other subject must differ
//   from the listed one (trap 5 of cypher-portability.md: FalkorDB can bind one relationship
//   to both legs). The hub degree is an OPTIONAL MATCH and a count, not a pattern
//   comprehension (FalkorDB runs one per row, far slower, and refuses one in a WHERE).
// severity: high
// parameters:
//   as_of: {type: date, default: today, description: Only entries active on this date count.}
//   controlling_ratio: {type: float, default: 0.5, min: 0.0, max: 1.0, description: A shareholder of the listed enterprise holding at least this fraction is a controlling shareholder.}
//   limit: {type: int, default: 1000, min: 1, max: 1000000, description: Most rows returned.}
// columns:
//   new_company_sid: The enterprise established after the listing (sid).
//   new_company_name: Its name.
//   established: Its date of establishment.
//   person_sid: The legal representative or controlling shareholder of the listed enterprise (sid; usually a person).
//   person_name: Its name.
//   roles_at_new_company: "legal_rep and/or shareholder."
//   roles_at_listed: "legal_rep and/or controlling_shareholder."
//   listed_sid: The listed enterprise (sid).
//   listed_name: Its name.
//   entry_id: The list entry (id).
//   list_type: Its list type.
//   listing_date: The entry's start_date.
//   disputed: true when the entry is disputed (异议); the finding must be shown as such.
//   evidence: "{entry: {id, list_type, severity, decision_no, department, department_code, start_date, end_date, status, disputed}, path: [listed, relationship, person, relationship, new company]} with nodes {sid, name, labels, established} and relationships {type, from, to, ratio, since}."
// ---
MATCH (l:ListEntry)
WHERE l.list_type IN $blacklists AND l.status = 'active'
  AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
  AND (l.valid_to IS NULL OR l.valid_to > $as_of)
MATCH (s:Enterprise)-[:LISTED]->(l)
MATCH (s)<-[r1:LEGAL_REP_OF|SHAREHOLDER_OF]-(x:Subject)
WHERE r1.valid_to IS NULL AND (type(r1) = 'LEGAL_REP_OF' OR r1.ratio >= $controlling_ratio)
  AND ($through_hubs OR NOT coalesce(x.hub, false))
WITH l, s, x, collect(r1) AS at_listed
// The degree of x, for the hub rule (an expansion and a count: much faster on FalkorDB than a
// pattern comprehension, which also cannot stand in a WHERE there).
OPTIONAL MATCH (x)-[hr:SHAREHOLDER_OF|LEGAL_REP_OF|EXECUTIVE_OF|SPONSORS|SUPERVISES]-()
WITH l, s, x, at_listed, sum(CASE WHEN hr IS NOT NULL AND hr.valid_to IS NULL THEN 1 ELSE 0 END) AS degree
WHERE $through_hubs OR degree < $hub_threshold
MATCH (x)-[r2:LEGAL_REP_OF|SHAREHOLDER_OF]->(n:Enterprise)
WHERE n <> s AND r2.valid_to IS NULL
  AND n.established > l.start_date AND n.established <= $as_of
WITH l, s, x, at_listed, n, collect(r2) AS at_new
ORDER BY l.id, n.sid, x.sid
LIMIT $limit
OPTIONAL MATCH (l)-[:ISSUED_BY]->(d:Department)
RETURN n.sid AS new_company_sid, n.name AS new_company_name, n.established AS established,
       x.sid AS person_sid, x.name AS person_name,
       [r IN at_new | CASE type(r) WHEN 'LEGAL_REP_OF' THEN 'legal_rep' ELSE 'shareholder' END] AS roles_at_new_company,
       [r IN at_listed | CASE type(r) WHEN 'LEGAL_REP_OF' THEN 'legal_rep' ELSE 'controlling_shareholder' END] AS roles_at_listed,
       s.sid AS listed_sid, s.name AS listed_name, l.id AS entry_id, l.list_type AS list_type,
       l.start_date AS listing_date, coalesce(l.disputed, false) AS disputed,
       {entry: {id: l.id, list_type: l.list_type, severity: l.severity, decision_no: l.decision_no,
                department: d.name, department_code: d.code, start_date: l.start_date,
                end_date: l.end_date, status: l.status, disputed: coalesce(l.disputed, false)},
        path: [{sid: s.sid, name: s.name, labels: labels(s), established: s.established}]
              + [r IN at_listed | {type: type(r), from: x.sid, to: s.sid, ratio: r.ratio, since: r.since}]
              + [{sid: x.sid, name: x.name, labels: labels(x)}]
              + [r IN at_new | {type: type(r), from: x.sid, to: n.sid, ratio: r.ratio, since: r.since}]
              + [{sid: n.sid, name: n.name, labels: labels(n), established: n.established}]} AS evidence
ORDER BY entry_id, new_company_sid, person_sid
