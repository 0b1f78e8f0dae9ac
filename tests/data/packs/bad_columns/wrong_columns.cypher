// ---
// id: wrong_columns
// title: A query whose RETURN disagrees with its header
// columns:
//   subject_sid: The subject.
//   subject_name: Its name.
// ---
MATCH (s:Subject)
RETURN s.sid AS subject_sid, s.name AS name
ORDER BY subject_sid
