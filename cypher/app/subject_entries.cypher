// ---
// id: subject_entries
// title: List entries of some subjects, with their departments
// title_zh: 主体的名单条目及认定部门
// description: >
//   Every list entry of each subject in $sids, whatever its status, with the department that
//   issued it. With $active_only, only the entries that count on $as_of, as in the packs:
//   status = 'active', start_date <= as_of, end_date null or >= as_of, valid_to null or after
//   as_of. The app colours subjects from these and draws a profile's timeline.
// severity: info
// parameters:
//   sids: {type: list, default: [], description: Subjects (sid).}
//   as_of: {type: date, default: today, description: The date entries are judged active on.}
//   active_only: {type: bool, default: true, description: Only entries active on as_of.}
// columns:
//   sid: The listed subject.
//   entry: The entry's properties.
//   active: Whether it counts on as_of.
//   department_code: The issuing department (code), if known.
//   department_name: Its name.
//   department_level: Its level (province, city, county).
//   department_kind: What it does (court, tax, ...).
// ---
UNWIND $sids AS sid
MATCH (s:Subject {sid: sid})-[:LISTED]->(l:ListEntry)
WITH sid, l,
     l.status = 'active' AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
     AND (l.valid_to IS NULL OR l.valid_to > $as_of) AS active
WHERE active OR NOT $active_only
OPTIONAL MATCH (l)-[:ISSUED_BY]->(d:Department)
RETURN sid, properties(l) AS entry, active, d.code AS department_code, d.name AS department_name,
       d.level AS department_level, d.kind AS department_kind
