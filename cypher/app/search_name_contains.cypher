// ---
// id: search_name_contains
// title: Enterprises and organisations whose normalised name contains the search text
// title_zh: 名称包含检索词的企业和组织
// description: >
//   Enterprises and organisations whose name_norm contains $key without starting with it (rank
//   1): "长虹" finds 四川长虹电器有限公司. No index serves CONTAINS, so this scans the labels;
//   the app runs it only when the exact and prefix look-ups found fewer than it wants. Persons
//   are left out: a person is searched by the name (or surname) it starts with.
// severity: info
// parameters:
//   key: {type: string, default: "", description: The normalised search text.}
//   limit: {type: int, default: 50, min: 1, max: 1000, description: Most subjects per label.}
// columns:
//   node: The subject.
//   rank: Always 1 (a contains match).
// ---
MATCH (s:Enterprise)
WHERE s.name_norm CONTAINS $key AND NOT s.name_norm STARTS WITH $key
RETURN s AS node, 1 AS rank
LIMIT $limit
UNION ALL
MATCH (s:Organisation)
WHERE s.name_norm CONTAINS $key AND NOT s.name_norm STARTS WITH $key
RETURN s AS node, 1 AS rank
LIMIT $limit
