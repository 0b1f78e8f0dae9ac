// ---
// id: shell_cluster
// title: Subjects crowded at one address or phone number
// title_zh: 同一地址或电话聚集的主体（疑似空壳企业群）
// description: >
//   One row per Address or Phone node that at least min_members subjects currently give
//   (HAS_ADDRESS / HAS_PHONE with no valid_to): the members, and the blacklist entries of
//   the members that are active on as_of, as evidence. A group is reported whether or not a
//   member is listed; listed_members says how many are. disputed is true when any of those
//   entries is disputed.
// severity: medium
// parameters:
//   as_of: {type: date, default: today, description: Only entries active on this date count.}
//   min_members: {type: int, default: 3, min: 2, max: 100000, description: Fewest subjects sharing the address or phone.}
//   limit: {type: int, default: 1000, min: 1, max: 100000, description: Most rows returned.}
// columns:
//   shared_kind: address or phone.
//   shared_key: The Address key (normalised text) or the Phone number (digits).
//   shared_text: The address as first seen, or the phone number.
//   member_count: How many subjects currently give it.
//   members: The subjects, by sid ({sid, name, labels, status}).
//   listed_members: How many members have an active blacklist entry on as_of.
//   entries: Those entries ({id, list_type, decision_no, department, department_code, start_date, end_date, status, disputed, subject_sid}), by subject and id.
//   disputed: true when any of the entries is disputed.
// ---
// Count the current members of every Address, then of every Phone (two label scans), and
// expand only the few crowded ones.
CALL {
  MATCH (x:Address)<-[h:HAS_ADDRESS]-()
  WHERE h.valid_to IS NULL
  WITH x, count(h) AS member_count
  WHERE member_count >= $min_members
  RETURN x, member_count
  UNION ALL
  MATCH (x:Phone)<-[h:HAS_PHONE]-()
  WHERE h.valid_to IS NULL
  WITH x, count(h) AS member_count
  WHERE member_count >= $min_members
  RETURN x, member_count
}
// Re-bind: FalkorDB treats a variable a CALL { ... UNION ... } returns as unbound in the next
// MATCH (it would match every address and phone).
WITH x, member_count
MATCH (x)<-[h:HAS_ADDRESS|HAS_PHONE]-(m:Subject)
WHERE h.valid_to IS NULL
OPTIONAL MATCH (m)-[lr:LISTED]->(l:ListEntry)
WHERE lr.valid_to IS NULL AND l.list_type IN $blacklists AND l.status = 'active'
  AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
  AND (l.valid_to IS NULL OR l.valid_to > $as_of)
OPTIONAL MATCH (l)-[ib:ISSUED_BY]->(d:Department)
WHERE ib.valid_to IS NULL
WITH x, member_count, m, l, d
ORDER BY m.sid, l.id
WITH x, member_count, m,
     collect(CASE WHEN l IS NULL THEN null ELSE {
       id: l.id, list_type: l.list_type, decision_no: l.decision_no, department: d.name,
       department_code: d.code, start_date: l.start_date, end_date: l.end_date,
       status: l.status, disputed: l.disputed, subject_sid: m.sid} END) AS own
ORDER BY m.sid
WITH x, member_count,
     collect({sid: m.sid, name: m.name, labels: labels(m), status: m.status}) AS members,
     collect(own) AS owns
WITH x, member_count, members, size([o IN owns WHERE size(o) > 0]) AS listed_members,
     reduce(acc = [], o IN owns | acc + o) AS entries
RETURN CASE WHEN x:Address THEN 'address' ELSE 'phone' END AS shared_kind,
       coalesce(x.key, x.number) AS shared_key,
       coalesce(x.text, x.number) AS shared_text,
       member_count, members, listed_members, entries,
       any(e IN entries WHERE e.disputed = true) AS disputed
ORDER BY listed_members DESC, member_count DESC, shared_kind, shared_key
LIMIT $limit
