// ---
// id: search_name_prefix
// title: Subjects whose normalised name equals or starts with the search text
// title_zh: 名称完全匹配或前缀匹配的主体
// description: >
//   Enterprises, organisations and persons whose name_norm (normalize_name of the name: full
//   width folded, traditional characters simplified, brackets and company suffixes unified) is
//   $key (rank 3) or starts with it (rank 2). The prefix is written as a range, $key <= name_norm
//   < $key_end ($key followed by the character that sorts last in the engine's string order:
//   U+10FFFF on FalkorDB, which compares UTF-8 bytes, U+FFFF on Neo4j, which compares UTF-16
//   units), because FalkorDB answers STARTS WITH by scanning every node of the label but a range
//   from the name_norm index; the STARTS WITH beside it keeps the answer exact. At most $limit
//   per label.
// severity: info
// parameters:
//   key: {type: string, default: "", description: The normalised search text.}
//   key_end: {type: string, default: "", description: "$key followed by the engine's last character: the end of the range of names starting with $key."}
//   limit: {type: int, default: 50, min: 1, max: 1000, description: Most subjects per label.}
// columns:
//   node: The subject.
//   rank: 3 for an exact match, 2 for a prefix match.
// ---
MATCH (s:Enterprise)
WHERE s.name_norm >= $key AND s.name_norm < $key_end AND s.name_norm STARTS WITH $key
RETURN s AS node, CASE WHEN s.name_norm = $key THEN 3 ELSE 2 END AS rank
LIMIT $limit
UNION ALL
MATCH (s:Organisation)
WHERE s.name_norm >= $key AND s.name_norm < $key_end AND s.name_norm STARTS WITH $key
RETURN s AS node, CASE WHEN s.name_norm = $key THEN 3 ELSE 2 END AS rank
LIMIT $limit
UNION ALL
MATCH (s:Person)
WHERE s.name_norm >= $key AND s.name_norm < $key_end AND s.name_norm STARTS WITH $key
RETURN s AS node, CASE WHEN s.name_norm = $key THEN 3 ELSE 2 END AS rank
LIMIT $limit
