// ---
// id: joint_punishment
// title: Benefits granted by another department while the subject was blacklisted
// title_zh: 联合惩戒：失信期间获得其他部门的许可、补贴或合同
// description: >
//   A subject with a blacklist entry active on as_of, decided by one department, that holds
//   a licence, received a subsidy or won a public contract (HOLDS_LICENCE, RECEIVED_SUBSIDY,
//   WON_CONTRACT) granted by ANOTHER department on a date from the entry's start_date up to
//   as_of, while the entry was in force (联合惩戒 hits: the other departments should have
//   refused it). One row per entry and grant; only current grants (no valid_to) count.
//   disputed is the entry's own flag.
// severity: high
// parameters:
//   as_of: {type: date, default: today, description: Only entries active on this date count; grants up to this date.}
//   limit: {type: int, default: 1000, min: 1, max: 100000, description: Most rows returned.}
// columns:
//   subject_sid: The listed subject (sid).
//   subject_name: Its name.
//   grant_type: licence, subsidy or contract.
//   grant: "The grant: {id, type (the relationship type), date, department, department_code, kind, program, title, amount, valid_until}."
//   entry: "The list entry: {id, list_type, decision_no, department, department_code, start_date, end_date, status, disputed}."
//   disputed: true when the entry is disputed.
// ---
MATCH (s:Subject)-[lr:LISTED]->(l:ListEntry)
WHERE lr.valid_to IS NULL AND l.list_type IN $blacklists AND l.status = 'active'
  AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
  AND (l.valid_to IS NULL OR l.valid_to > $as_of)
MATCH (l)-[ib:ISSUED_BY]->(issuer:Department)
WHERE ib.valid_to IS NULL
MATCH (s)-[g:HOLDS_LICENCE|RECEIVED_SUBSIDY|WON_CONTRACT]->(granter:Department)
WHERE g.valid_to IS NULL AND granter.code <> issuer.code
  AND g.date >= l.start_date AND g.date <= $as_of
  AND (l.end_date IS NULL OR g.date <= l.end_date)
RETURN s.sid AS subject_sid, s.name AS subject_name,
       CASE type(g) WHEN 'HOLDS_LICENCE' THEN 'licence'
                    WHEN 'RECEIVED_SUBSIDY' THEN 'subsidy' ELSE 'contract' END AS grant_type,
       {id: g.id, type: type(g), date: g.date, department: granter.name,
        department_code: granter.code, kind: g.kind, program: g.program, title: g.title,
        amount: g.amount, valid_until: g.valid_until} AS grant,
       {id: l.id, list_type: l.list_type, decision_no: l.decision_no, department: issuer.name,
        department_code: issuer.code, start_date: l.start_date, end_date: l.end_date,
        status: l.status, disputed: l.disputed} AS entry,
       l.disputed = true AS disputed
ORDER BY subject_sid, entry.id, grant.date, grant.id
LIMIT $limit
