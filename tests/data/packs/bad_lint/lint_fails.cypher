// ---
// id: lint_fails
// title: A query Neo4j's linter rejects (a misspelt label and a legacy function)
// columns:
//   subject_sid: The subject.
// ---
MATCH (s:Subjct)
WHERE exists(s.name)
RETURN s.sid AS subject_sid
