// ---
// id: pre_listing_changes
// title: Legal representative or shareholder changes shortly before a listing
// title_zh: 列入失信名单前短期内变更法定代表人或股东
// description: >
//   For each blacklist entry active on as_of, the legal representatives and shareholders of
//   its subject that came or went within `days` days before the entry's start_date (a
//   change made to escape the listing: 列入前突击变更). History counts here, closed
//   relationships included. A holder joined on the relationship's since date, or, without
//   one, on its first_seen when that is later than the subject's own first_seen (it appeared
//   in a later snapshot); relationships that start by the subject's establishment date are
//   its founding, not a change. A holder left on the relationship's until date, or, without
//   one, on its valid_to (the snapshot that no longer showed it). Day counts use whole-day
//   numbers computed from the ISO dates (FalkorDB turns duration({days: 31}) and more into
//   months). counterparts are the holders of the same kind replaced (for joined: closed in
//   the snapshot where the new one appeared) or succeeding (for left: first seen in the
//   snapshot that closed it). disputed is the entry's own flag.
// severity: high
// parameters:
//   as_of: {type: date, default: today, description: Only entries active on this date count.}
//   days: {type: int, default: 90, min: 0, max: 3650, description: "Window before the entry's start_date, in days (both ends included)."}
//   limit: {type: int, default: 1000, min: 1, max: 100000, description: Most rows returned.}
// columns:
//   subject_sid: The listed subject (sid).
//   subject_name: Its name.
//   role: legal_rep or shareholder.
//   event: joined or left.
//   holder_sid: The person or subject who joined or left (sid).
//   holder_name: Its name.
//   change_date: Date of the change.
//   date_basis: Where change_date comes from (since, first_seen, until or valid_to).
//   days_before: Days from change_date to the entry's start_date.
//   relationship: "The relationship: {type, since, until, ratio, first_seen, valid_to}."
//   counterparts: "Holders of the same role replaced or succeeding: [{sid, name, since, until, ratio, first_seen, valid_to}]."
//   entry: "The list entry: {id, list_type, decision_no, department, department_code, start_date, end_date, status, disputed}."
//   disputed: true when the entry is disputed.
// ---
MATCH (s:Subject)-[lr:LISTED]->(l:ListEntry)
WHERE lr.valid_to IS NULL AND l.list_type IN $blacklists AND l.status = 'active'
  AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
  AND (l.valid_to IS NULL OR l.valid_to > $as_of)
OPTIONAL MATCH (l)-[ib:ISSUED_BY]->(dep:Department)
WHERE ib.valid_to IS NULL
// Day number of the start date (days from civil, March-based year): integer arithmetic only.
WITH s, l, dep,
     toInteger(substring(l.start_date, 0, 4)) - (14 - toInteger(substring(l.start_date, 5, 2))) / 12 AS ly,
     (toInteger(substring(l.start_date, 5, 2)) + 9) % 12 AS lm,
     toInteger(substring(l.start_date, 8, 2)) AS ld
WITH s, l, dep, 365 * ly + ly / 4 - ly / 100 + ly / 400 + (153 * lm + 2) / 5 + ld AS listed_day
MATCH (x:Subject)-[r:LEGAL_REP_OF|SHAREHOLDER_OF]->(s)
WITH s, l, dep, listed_day, x, r,
     CASE WHEN r.since IS NOT NULL THEN r.since
          WHEN r.first_seen > s.first_seen THEN r.first_seen END AS joined,
     CASE WHEN r.since IS NOT NULL THEN 'since'
          WHEN r.first_seen > s.first_seen THEN 'first_seen' END AS joined_basis,
     coalesce(r.until, r.valid_to) AS gone,
     CASE WHEN r.until IS NOT NULL THEN 'until' ELSE 'valid_to' END AS gone_basis
UNWIND [['joined', joined, joined_basis], ['left', gone, gone_basis]] AS ev
WITH s, l, dep, listed_day, x, r, ev[0] AS event, ev[1] AS change_date, ev[2] AS date_basis
WHERE change_date IS NOT NULL AND change_date <= l.start_date
  AND (event = 'left' OR s.established IS NULL OR change_date > s.established)
WITH s, l, dep, listed_day, x, r, event, change_date, date_basis,
     toInteger(substring(change_date, 0, 4)) - (14 - toInteger(substring(change_date, 5, 2))) / 12 AS cy,
     (toInteger(substring(change_date, 5, 2)) + 9) % 12 AS cm,
     toInteger(substring(change_date, 8, 2)) AS cd
WITH s, l, dep, x, r, event, change_date, date_basis,
     listed_day - (365 * cy + cy / 4 - cy / 100 + cy / 400 + (153 * cm + 2) / 5 + cd) AS days_before
WHERE days_before <= $days
WITH s, l, dep, x, r, event, change_date, date_basis, days_before,
     CASE WHEN event = 'joined' THEN r.first_seen ELSE r.valid_to END AS turn
WITH s, l, dep, x, r, event, change_date, date_basis, days_before,
     [(o:Subject)-[q:LEGAL_REP_OF|SHAREHOLDER_OF]->(s)
      WHERE type(q) = type(r) AND o <> x AND turn IS NOT NULL
        AND ((event = 'joined' AND q.valid_to = turn) OR (event = 'left' AND q.first_seen = turn))
      | {sid: o.sid, name: o.name, since: q.since, until: q.until, ratio: q.ratio,
         first_seen: q.first_seen, valid_to: q.valid_to}] AS counterparts
RETURN s.sid AS subject_sid, s.name AS subject_name,
       CASE type(r) WHEN 'LEGAL_REP_OF' THEN 'legal_rep' ELSE 'shareholder' END AS role,
       event, x.sid AS holder_sid, x.name AS holder_name, change_date, date_basis, days_before,
       {type: type(r), since: r.since, until: r.until, ratio: r.ratio, first_seen: r.first_seen,
        valid_to: r.valid_to} AS relationship,
       counterparts,
       {id: l.id, list_type: l.list_type, decision_no: l.decision_no, department: dep.name,
        department_code: dep.code, start_date: l.start_date, end_date: l.end_date,
        status: l.status, disputed: l.disputed} AS entry,
       l.disputed = true AS disputed
ORDER BY subject_sid, entry.id, change_date, holder_sid, event
LIMIT $limit
