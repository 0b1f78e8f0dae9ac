// ---
// id: blacklist_propagation
// title: Subjects within k hops of a blacklisted subject
// title_zh: 失信主体关联风险传导
// description: >
//   Every subject that the risk of an active blacklist entry reaches within k hops, moving only
//   along the relationship types, and in the directions, that the entry's list type propagates
//   along in model.yaml, and never through a hub unless through_hubs is set. One row per (entry,
//   subject reached): hops is the length of the shortest qualifying path, and that path (of the
//   shortest ones, the one with the highest score) is the evidence.
//
//   Rules. An entry counts when its list type is in $blacklists, status = 'active',
//   start_date <= as_of, end_date is null or >= as_of, and valid_to is null or after as_of.
//   Every relationship walked is current (valid_to IS NULL). A step from x over relationship r
//   is allowed when 'LIST_TYPE:TYPE:forward' (r starts at x), 'LIST_TYPE:TYPE:backward' (r ends
//   at x) or 'LIST_TYPE:TYPE:both' is in $propagation. At most min(k, the list type's cap in
//   $max_hops) hops. Hubs, unless $through_hubs: a subject with hub = true (the model's named
//   nominee holders and state-asset administrations) is neither passed through nor reported; a
//   subject with at least $hub_threshold current SHAREHOLDER_OF|LEGAL_REP_OF|EXECUTIVE_OF|
//   SPONSORS|SUPERVISES relationships (model hubs.degree_relationships) is reported when reached
//   but passes nothing on. The listed subject always passes its risk on and is never reported.
//
//   Model-derived parameters. $propagation and $max_hops are model.yaml list_types[*].propagation
//   and max_hops written as strings (Cypher takes no relationship type as a parameter, and a
//   pack parameter is at most a list of strings); their defaults are the model's values, and
//   tests/packs/test_risk_pack_1_5.py fails when they drift from it. The patterns name the union
//   of the types any list type propagates along (plus the hub degree types where a degree is
//   counted; the same test checks both against the model); the parameters decide which count,
//   and which way, for each list type.
//
//   How it walks. An entry whose list type goes one hop needs no search: its listed subject's
//   neighbours. The others are searched breadth-first, one hop per block (unrolled to 3 hops,
//   the most any list type allows, so k is an ordinary parameter and no path bound): each block
//   expands only the subjects reached at the previous hop, keeps one row per (entry, subject)
//   with its shortest best path, and counts each subject's degree in the same expansion, so a
//   hub is known before anything is reached through it. A variable-length pattern would instead
//   enumerate every path through every hub (nominee holders, state-asset administrations,
//   people who represent a thousand companies): tens of millions on 1,000,000 enterprises.
//
//   Score (0..1): severity / 5 * 0.5 ^ (hops - 1) * the product of r.ratio over the path's
//   relationships that have one (SHAREHOLDER_OF), rounded to 4 decimals: the legal
//   representative of a listed company with a severity-5 entry scores 1.0, each further hop
//   halves it, and a shareholding passes on only its share.
// severity: high
// parameters:
//   as_of: {type: date, default: today, description: Only entries active on this date count.}
//   k: {type: int, default: 3, min: 1, max: 3, description: Most hops from the listed subject (each list type also caps it with its max_hops).}
//   propagation: {type: list, default: ["SHIXIN:LEGAL_REP_OF:both", "SHIXIN:SHAREHOLDER_OF:forward", "SHIXIN:EXECUTIVE_OF:both", "SHIXIN:GUARANTEES:backward", "ABNORMAL:LEGAL_REP_OF:backward", "SERIOUS:LEGAL_REP_OF:both", "SERIOUS:SHAREHOLDER_OF:both", "SERIOUS:EXECUTIVE_OF:both", "SERIOUS:GUARANTEES:backward", "PENALTY:LEGAL_REP_OF:backward", "TAX:LEGAL_REP_OF:both", "TAX:SHAREHOLDER_OF:backward"], description: "LIST_TYPE:REL_TYPE:DIRECTION rules from model.yaml list_types[*].propagation (direction forward, backward or both)."}
//   max_hops: {type: list, default: ["SHIXIN:3", "ABNORMAL:1", "SERIOUS:3", "PENALTY:1", "TAX:2", "REDLIST_A_TAX:0"], description: "LIST_TYPE:N caps from model.yaml list_types[*].max_hops; a list type missing here is capped by k only."}
//   limit: {type: int, default: 1000, min: 1, max: 1000000, description: Most rows returned (highest score first).}
// columns:
//   subject_sid: Subject reached (sid).
//   subject_name: Its name.
//   subject_labels: Its labels.
//   hops: Length of the shortest qualifying path from the listed subject.
//   score: Risk score, see the description.
//   disputed: true when the entry is disputed (异议); the finding must be shown as such.
//   entry_id: The list entry (id).
//   list_type: Its list type.
//   listed_sid: The listed subject (sid).
//   listed_name: Its name.
//   evidence: "{entry: {id, list_type, severity, decision_no, department, department_code, start_date, end_date, status, disputed}, nodes: [{sid, name, labels}] from the listed subject to the one reached, relationships: [{type, from, to, ratio, role}] between them}."
// ---
// Entries whose risk goes one hop need no search: the listed subject's neighbours. The others
// are searched breadth-first, one hop per block. (No comment may open the CALL body: FalkorDB
// 4.16 crashes parsing a long subquery that starts with one.)
CALL {
  UNWIND $blacklists AS code
  WITH code,
       [x IN $propagation WHERE x STARTS WITH (code + ':')] AS rules,
       [x IN $max_hops WHERE x STARTS WITH (code + ':') | toInteger(substring(x, size(code) + 1))] AS caps
  WITH code,
       [x IN rules WHERE NOT (x ENDS WITH ':backward') | split(x, ':')[1]] AS fwd,
       [x IN rules WHERE NOT (x ENDS WITH ':forward') | split(x, ':')[1]] AS bwd,
       CASE WHEN size(caps) > 0 AND caps[0] < $k THEN caps[0] ELSE $k END AS depth
  WHERE size(fwd) + size(bwd) > 0 AND depth = 1
  MATCH (l:ListEntry)
  WHERE l.list_type = code AND l.status = 'active'
    AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
    AND (l.valid_to IS NULL OR l.valid_to > $as_of)
  MATCH (s:Subject)-[:LISTED]->(l)
  MATCH (s)-[r:LEGAL_REP_OF|SHAREHOLDER_OF|EXECUTIVE_OF|GUARANTEES]-(t:Subject)
  WHERE r.valid_to IS NULL AND t <> s AND ($through_hubs OR NOT coalesce(t.hub, false))
    AND CASE WHEN startNode(r) = s THEN type(r) IN fwd ELSE type(r) IN bwd END
  WITH l, s, t, r, coalesce(l.severity, 5) / 5.0 * coalesce(r.ratio, 1.0) AS score
  ORDER BY score DESC
  WITH l, s, t, collect(r)[0] AS r, max(score) AS score
  RETURN l, s, t, 1 AS hops, score, [r] AS rels
  UNION ALL
  UNWIND $blacklists AS code
  WITH code,
       [x IN $propagation WHERE x STARTS WITH (code + ':')] AS rules,
       [x IN $max_hops WHERE x STARTS WITH (code + ':') | toInteger(substring(x, size(code) + 1))] AS caps
  WITH code,
       [x IN rules WHERE NOT (x ENDS WITH ':backward') | split(x, ':')[1]] AS fwd,
       [x IN rules WHERE NOT (x ENDS WITH ':forward') | split(x, ':')[1]] AS bwd,
       CASE WHEN size(caps) > 0 AND caps[0] < $k THEN caps[0] ELSE $k END AS depth
  WHERE size(fwd) + size(bwd) > 0 AND depth > 1
  MATCH (l:ListEntry)
  WHERE l.list_type = code AND l.status = 'active'
    AND l.start_date <= $as_of AND (l.end_date IS NULL OR l.end_date >= $as_of)
    AND (l.valid_to IS NULL OR l.valid_to > $as_of)
  MATCH (s:Subject)-[:LISTED]->(l)
  // One row per (entry, subject reached so far), from the listed subject itself (hop 0):
  // b = {x: the subject, hops, score, rels: the relationships of its best path}.
  WITH l, s, fwd, bwd, depth, {x: s, hops: 0, score: coalesce(l.severity, 5) / 5.0, rels: []} AS b
  // Hop 1: expand the subjects reached at hop 0. The listed subject passes risk on even if it is a hub.
  WITH l, s, fwd, bwd, depth, b, CASE WHEN b.hops = 0 THEN b.x END AS x
  OPTIONAL MATCH (x)-[r:LEGAL_REP_OF|SHAREHOLDER_OF|EXECUTIVE_OF|GUARANTEES]-(m)
  WITH l, s, fwd, bwd, depth, b,
       collect(CASE WHEN r.valid_to IS NULL AND m <> s AND ($through_hubs OR NOT coalesce(m.hub, false))
                     AND CASE WHEN startNode(r) = x THEN type(r) IN fwd ELSE type(r) IN bwd END
                THEN {x: m, hops: 1, score: b.score * coalesce(r.ratio, 1.0), rels: b.rels + [r]} END) AS found
  UNWIND [b] + found AS e
  WITH l, s, fwd, bwd, depth, e.x AS x, collect(e) AS es
  WITH l, s, fwd, bwd, depth,
       CASE WHEN size(es) = 1 THEN es[0]
       ELSE reduce(b = head(es), y IN tail(es) |
                   CASE WHEN y.hops < b.hops OR (y.hops = b.hops AND y.score > b.score) THEN y ELSE b END)
       END AS b
  // Hop 2: expand the subjects reached at hop 1.
  // Their degree over the hub relationship types comes out of the same expansion: a
  // subject with $hub_threshold or more is kept (reported) but passes nothing on.
  WITH l, s, fwd, bwd, depth, b, CASE WHEN b.hops = 1 AND depth >= 2 THEN b.x END AS x
  OPTIONAL MATCH (x)-[r:LEGAL_REP_OF|SHAREHOLDER_OF|EXECUTIVE_OF|GUARANTEES|SPONSORS|SUPERVISES]-(m)
  WITH l, s, fwd, bwd, depth, b,
       sum(CASE WHEN r IS NOT NULL AND r.valid_to IS NULL
                AND type(r) IN ['SHAREHOLDER_OF', 'LEGAL_REP_OF', 'EXECUTIVE_OF', 'SPONSORS', 'SUPERVISES']
           THEN 1 ELSE 0 END) AS degree,
       collect(CASE WHEN r.valid_to IS NULL AND m <> s AND ($through_hubs OR NOT coalesce(m.hub, false))
                     AND CASE WHEN startNode(r) = x THEN type(r) IN fwd ELSE type(r) IN bwd END
                THEN {x: m, hops: 2, score: b.score * 0.5 * coalesce(r.ratio, 1.0), rels: b.rels + [r]} END) AS found
  UNWIND CASE WHEN NOT $through_hubs AND degree >= $hub_threshold THEN [b] ELSE [b] + found END AS e
  WITH l, s, fwd, bwd, depth, e.x AS x, collect(e) AS es
  WITH l, s, fwd, bwd, depth,
       CASE WHEN size(es) = 1 THEN es[0]
       ELSE reduce(b = head(es), y IN tail(es) |
                   CASE WHEN y.hops < b.hops OR (y.hops = b.hops AND y.score > b.score) THEN y ELSE b END)
       END AS b
  // Hop 3: expand the subjects reached at hop 2.
  // Their degree over the hub relationship types comes out of the same expansion: a
  // subject with $hub_threshold or more is kept (reported) but passes nothing on.
  WITH l, s, fwd, bwd, depth, b, CASE WHEN b.hops = 2 AND depth >= 3 THEN b.x END AS x
  OPTIONAL MATCH (x)-[r:LEGAL_REP_OF|SHAREHOLDER_OF|EXECUTIVE_OF|GUARANTEES|SPONSORS|SUPERVISES]-(m)
  WITH l, s, fwd, bwd, depth, b,
       sum(CASE WHEN r IS NOT NULL AND r.valid_to IS NULL
                AND type(r) IN ['SHAREHOLDER_OF', 'LEGAL_REP_OF', 'EXECUTIVE_OF', 'SPONSORS', 'SUPERVISES']
           THEN 1 ELSE 0 END) AS degree,
       collect(CASE WHEN r.valid_to IS NULL AND m <> s AND ($through_hubs OR NOT coalesce(m.hub, false))
                     AND CASE WHEN startNode(r) = x THEN type(r) IN fwd ELSE type(r) IN bwd END
                THEN {x: m, hops: 3, score: b.score * 0.5 * coalesce(r.ratio, 1.0), rels: b.rels + [r]} END) AS found
  UNWIND CASE WHEN NOT $through_hubs AND degree >= $hub_threshold THEN [b] ELSE [b] + found END AS e
  WITH l, s, fwd, bwd, depth, e.x AS x, collect(e) AS es
  WITH l, s, fwd, bwd, depth,
       CASE WHEN size(es) = 1 THEN es[0]
       ELSE reduce(b = head(es), y IN tail(es) |
                   CASE WHEN y.hops < b.hops OR (y.hops = b.hops AND y.score > b.score) THEN y ELSE b END)
       END AS b
  WITH l, s, b.x AS t, b.hops AS hops, b.score AS score, b.rels AS rels
  WHERE hops > 0
  RETURN l, s, t, hops, score, rels
}
WITH l, s, t, hops, score, rels
ORDER BY score DESC, l.id, t.sid
LIMIT $limit
OPTIONAL MATCH (l)-[:ISSUED_BY]->(d:Department)
WITH l, s, t, hops, score, rels, d,
     reduce(ns = [s], r IN rels | ns + [CASE WHEN startNode(r) = last(ns) THEN endNode(r) ELSE startNode(r) END]) AS nodes
RETURN t.sid AS subject_sid, t.name AS subject_name, labels(t) AS subject_labels,
       hops, round(score * 10000) / 10000.0 AS score,
       coalesce(l.disputed, false) AS disputed,
       l.id AS entry_id, l.list_type AS list_type, s.sid AS listed_sid, s.name AS listed_name,
       {entry: {id: l.id, list_type: l.list_type, severity: l.severity, decision_no: l.decision_no,
                department: d.name, department_code: d.code, start_date: l.start_date,
                end_date: l.end_date, status: l.status, disputed: coalesce(l.disputed, false)},
        nodes: [n IN nodes | {sid: n.sid, name: n.name, labels: labels(n)}],
        relationships: [r IN rels | {type: type(r), from: startNode(r).sid, to: endNode(r).sid,
                                     ratio: r.ratio, role: r.role}]} AS evidence
ORDER BY score DESC, entry_id, subject_sid
