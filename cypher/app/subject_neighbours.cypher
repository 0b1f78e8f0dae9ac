// ---
// id: subject_neighbours
// title: Current neighbours of some subjects (one level of the app's network view)
// title_zh: 主体的直接关联(网络视图的一层)
// description: >
//   For each subject sid in $sids, its current relationships (valid_to IS NULL) of the types in
//   $types, either direction, with the node at the other end (regions left out: every subject
//   has one). The app expands a neighbourhood level by level with this query, from indexed sid
//   look-ups, instead of a variable-length pattern that would enumerate every path through a hub.
//
//   Hubs. A subject with hub = true is not expanded (no neighbours, degree null) unless
//   $expand_hubs or it is in $always (the subject the investigator asked for). A subject whose
//   degree over the model's hub relationship types ($hub_types) reaches $hub_threshold is
//   counted but its neighbours are not returned, under the same exceptions. At most $per_node
//   neighbours come back per subject; degree says how many there are.
// severity: info
// parameters:
//   sids: {type: list, default: [], description: Subjects to expand (sid).}
//   types: {type: list, default: [], description: Relationship types to follow.}
//   hub_types: {type: list, default: [], description: Relationship types a hub's degree counts (model hubs.degree_relationships).}
//   always: {type: list, default: [], description: Subjects expanded even when they are hubs.}
//   expand_hubs: {type: bool, default: false, description: Expand hubs too.}
//   as_of: {type: date, default: today, description: The date a list entry's active flag is judged on.}
//   per_node: {type: int, default: 301, min: 0, max: 100000, description: Most neighbours returned per subject.}
// columns:
//   sid: The subject expanded.
//   labels: Its labels.
//   hub: Its hub flag (true for a named hub).
//   hub_degree: Its current relationships of $hub_types (null when not expanded).
//   degree: Its current relationships of $types (null when not expanded).
//   neighbours: "Up to $per_node strings TYPE|DIR|RATIO|ROLE|LABEL|FLAGS|KEY: the relationship's type, > when it starts at the subject (< otherwise), its ratio and role (or empty), the other end's label, h if it is a named hub and a if it is a list entry active on $as_of, and its key (sid, or id/key/code/number), last because an address may hold a |."
// ---
UNWIND $sids AS sid
MATCH (s:Subject {sid: sid})
WITH s, coalesce(s.hub, false) AND NOT $expand_hubs AND NOT s.sid IN $always AS skipped
// A named hub is not even traversed: its relationships can run to thousands.
OPTIONAL MATCH (s)-[r]-(m)
WHERE NOT skipped AND r.valid_to IS NULL AND NOT m:Region
WITH s, skipped,
     sum(CASE WHEN r IS NOT NULL AND type(r) IN $hub_types THEN 1 ELSE 0 END) AS hub_degree,
     collect(CASE WHEN r IS NOT NULL AND type(r) IN $types
                  THEN type(r) + '|' + (CASE WHEN startNode(r) = s THEN '>' ELSE '<' END)
                       + '|' + coalesce(toString(r.ratio), '') + '|' + coalesce(r.role, '') + '|'
                       + (CASE WHEN m:Enterprise THEN 'Enterprise' WHEN m:Organisation THEN 'Organisation'
                               WHEN m:Person THEN 'Person' WHEN m:Subject THEN 'Subject' ELSE labels(m)[0] END)
                       + '|' + (CASE WHEN coalesce(m.hub, false) THEN 'h' ELSE '' END)
                       + (CASE WHEN m:ListEntry AND m.status = 'active' AND m.start_date <= $as_of
                                    AND (m.end_date IS NULL OR m.end_date >= $as_of)
                                    AND (m.valid_to IS NULL OR m.valid_to > $as_of) THEN 'a' ELSE '' END)
                       + '|' + coalesce(m.sid, m.id, m.key, m.code, m.number) END) AS found
RETURN s.sid AS sid, labels(s) AS labels, coalesce(s.hub, false) AS hub,
       CASE WHEN skipped THEN null ELSE toInteger(hub_degree) END AS hub_degree,
       CASE WHEN skipped THEN null ELSE size(found) END AS degree,
       CASE WHEN skipped OR (hub_degree >= $hub_threshold AND NOT $expand_hubs AND NOT s.sid IN $always)
            THEN [] ELSE found[..$per_node] END AS neighbours
