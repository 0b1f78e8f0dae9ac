// ---
// id: merge_subject
// title: A query that writes (must be refused)
// columns:
//   sid: The subject.
// ---
MATCH (s:Subject)
MERGE (s)-[:LEGAL_REP_OF]->(:Enterprise {uscc: 'X'})
RETURN s.sid AS sid
