// ---
// id: keyed_neighbours
// title: Current neighbours of addresses, phones, list entries and departments
// title_zh: 地址、电话、名单条目和部门的直接关联
// description: >
//   The same as subject_neighbours for the nodes that are not subjects, each looked up by its
//   key: addresses (HAS_ADDRESS links the subjects registered there), phones, list entries (the
//   listed subject and the issuing department) and departments. Current relationships only
//   (valid_to IS NULL), of the types in $types, regions left out. A node with $hub_threshold or
//   more of them is counted but not expanded unless $expand_hubs or its key is in $always.
// severity: info
// parameters:
//   addresses: {type: list, default: [], description: Address keys.}
//   phones: {type: list, default: [], description: Phone numbers.}
//   entries: {type: list, default: [], description: List entry ids.}
//   departments: {type: list, default: [], description: Department codes.}
//   types: {type: list, default: [], description: Relationship types to follow.}
//   always: {type: list, default: [], description: Keys expanded even when they are hubs.}
//   expand_hubs: {type: bool, default: false, description: Expand hubs too.}
//   as_of: {type: date, default: today, description: The date a list entry's active flag is judged on.}
//   per_node: {type: int, default: 301, min: 0, max: 100000, description: Most neighbours returned per node.}
// columns:
//   label: Address, Phone, ListEntry or Department.
//   key: The node's key.
//   degree: Its current relationships of $types.
//   neighbours: "Up to $per_node strings TYPE|DIR|RATIO|ROLE|LABEL|FLAGS|KEY, as in subject_neighbours."
// ---
UNWIND $addresses AS key
MATCH (s:Address {key: key})
OPTIONAL MATCH (s)-[r]-(m)
WHERE r.valid_to IS NULL AND NOT m:Region AND type(r) IN $types
WITH s, collect(CASE WHEN r IS NOT NULL THEN type(r) + '|' + (CASE WHEN startNode(r) = s THEN '>' ELSE '<' END)
                       + '|' + coalesce(toString(r.ratio), '') + '|' + coalesce(r.role, '') + '|'
                       + (CASE WHEN m:Enterprise THEN 'Enterprise' WHEN m:Organisation THEN 'Organisation'
                               WHEN m:Person THEN 'Person' WHEN m:Subject THEN 'Subject' ELSE labels(m)[0] END)
                       + '|' + (CASE WHEN coalesce(m.hub, false) THEN 'h' ELSE '' END)
                       + (CASE WHEN m:ListEntry AND m.status = 'active' AND m.start_date <= $as_of
                                    AND (m.end_date IS NULL OR m.end_date >= $as_of)
                                    AND (m.valid_to IS NULL OR m.valid_to > $as_of) THEN 'a' ELSE '' END)
                       + '|' + coalesce(m.sid, m.id, m.key, m.code, m.number) END) AS found
RETURN 'Address' AS label, s.key AS key, size(found) AS degree,
       CASE WHEN size(found) >= $hub_threshold AND NOT $expand_hubs AND NOT s.key IN $always
            THEN [] ELSE found[..$per_node] END AS neighbours
UNION ALL
UNWIND $phones AS key
MATCH (s:Phone {number: key})
OPTIONAL MATCH (s)-[r]-(m)
WHERE r.valid_to IS NULL AND NOT m:Region AND type(r) IN $types
WITH s, collect(CASE WHEN r IS NOT NULL THEN type(r) + '|' + (CASE WHEN startNode(r) = s THEN '>' ELSE '<' END)
                       + '|' + coalesce(toString(r.ratio), '') + '|' + coalesce(r.role, '') + '|'
                       + (CASE WHEN m:Enterprise THEN 'Enterprise' WHEN m:Organisation THEN 'Organisation'
                               WHEN m:Person THEN 'Person' WHEN m:Subject THEN 'Subject' ELSE labels(m)[0] END)
                       + '|' + (CASE WHEN coalesce(m.hub, false) THEN 'h' ELSE '' END)
                       + (CASE WHEN m:ListEntry AND m.status = 'active' AND m.start_date <= $as_of
                                    AND (m.end_date IS NULL OR m.end_date >= $as_of)
                                    AND (m.valid_to IS NULL OR m.valid_to > $as_of) THEN 'a' ELSE '' END)
                       + '|' + coalesce(m.sid, m.id, m.key, m.code, m.number) END) AS found
RETURN 'Phone' AS label, s.number AS key, size(found) AS degree,
       CASE WHEN size(found) >= $hub_threshold AND NOT $expand_hubs AND NOT s.number IN $always
            THEN [] ELSE found[..$per_node] END AS neighbours
UNION ALL
UNWIND $entries AS key
MATCH (s:ListEntry {id: key})
OPTIONAL MATCH (s)-[r]-(m)
WHERE r.valid_to IS NULL AND NOT m:Region AND type(r) IN $types
WITH s, collect(CASE WHEN r IS NOT NULL THEN type(r) + '|' + (CASE WHEN startNode(r) = s THEN '>' ELSE '<' END)
                       + '|' + coalesce(toString(r.ratio), '') + '|' + coalesce(r.role, '') + '|'
                       + (CASE WHEN m:Enterprise THEN 'Enterprise' WHEN m:Organisation THEN 'Organisation'
                               WHEN m:Person THEN 'Person' WHEN m:Subject THEN 'Subject' ELSE labels(m)[0] END)
                       + '|' + (CASE WHEN coalesce(m.hub, false) THEN 'h' ELSE '' END)
                       + (CASE WHEN m:ListEntry AND m.status = 'active' AND m.start_date <= $as_of
                                    AND (m.end_date IS NULL OR m.end_date >= $as_of)
                                    AND (m.valid_to IS NULL OR m.valid_to > $as_of) THEN 'a' ELSE '' END)
                       + '|' + coalesce(m.sid, m.id, m.key, m.code, m.number) END) AS found
RETURN 'ListEntry' AS label, s.id AS key, size(found) AS degree,
       CASE WHEN size(found) >= $hub_threshold AND NOT $expand_hubs AND NOT s.id IN $always
            THEN [] ELSE found[..$per_node] END AS neighbours
UNION ALL
UNWIND $departments AS key
MATCH (s:Department {code: key})
OPTIONAL MATCH (s)-[r]-(m)
WHERE r.valid_to IS NULL AND NOT m:Region AND type(r) IN $types
WITH s, collect(CASE WHEN r IS NOT NULL THEN type(r) + '|' + (CASE WHEN startNode(r) = s THEN '>' ELSE '<' END)
                       + '|' + coalesce(toString(r.ratio), '') + '|' + coalesce(r.role, '') + '|'
                       + (CASE WHEN m:Enterprise THEN 'Enterprise' WHEN m:Organisation THEN 'Organisation'
                               WHEN m:Person THEN 'Person' WHEN m:Subject THEN 'Subject' ELSE labels(m)[0] END)
                       + '|' + (CASE WHEN coalesce(m.hub, false) THEN 'h' ELSE '' END)
                       + (CASE WHEN m:ListEntry AND m.status = 'active' AND m.start_date <= $as_of
                                    AND (m.end_date IS NULL OR m.end_date >= $as_of)
                                    AND (m.valid_to IS NULL OR m.valid_to > $as_of) THEN 'a' ELSE '' END)
                       + '|' + coalesce(m.sid, m.id, m.key, m.code, m.number) END) AS found
RETURN 'Department' AS label, s.code AS key, size(found) AS degree,
       CASE WHEN size(found) >= $hub_threshold AND NOT $expand_hubs AND NOT s.code IN $always
            THEN [] ELSE found[..$per_node] END AS neighbours
