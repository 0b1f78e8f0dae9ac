// ---
// id: count_listed
// title: Subjects with active blacklist entries
// title_zh: 有有效黑名单记录的主体
// description: >
//   Every subject with at least min_entries blacklist entries active on as_of, with the
//   entries as evidence. A tiny query for the pack framework's own tests.
// severity: info
// parameters:
//   as_of: {type: date, default: today, description: Only entries active on this date count.}
//   min_entries: {type: int, default: 1, min: 1, max: 100, description: Fewest active entries.}
//   limit: {type: int, default: 100, min: 1, max: 10000, description: Most rows returned.}
// columns:
//   subject_sid: Subject (sid).
//   subject_name: Its name.
//   entries: How many active blacklist entries it has.
//   disputed: true when any of them is disputed.
//   evidence: The entries ({id, list_type, start_date, disputed}), by id.
// ---
// Words such as CREATE or SET in comments, and in strings like 'DELETE ME', are not writes.
MATCH (s:Subject)-[:LISTED]->(l:ListEntry)
WHERE l.list_type IN $blacklists AND l.status = 'active'
  AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
  AND (l.valid_to IS NULL OR l.valid_to > $as_of)
WITH s, l ORDER BY l.id
WITH s, collect({id: l.id, list_type: l.list_type, start_date: l.start_date, disputed: l.disputed}) AS evidence
WHERE size(evidence) >= $min_entries
RETURN s.sid AS subject_sid, s.name AS subject_name, size(evidence) AS entries,
       any(e IN evidence WHERE e.disputed = true) AS disputed, evidence
ORDER BY subject_sid
LIMIT $limit
