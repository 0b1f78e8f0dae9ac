// ---
// id: ultimate_controller
// title: Ultimate controllers (direct and indirect shareholding of at least a threshold)
// title_zh: 最终控制人（直接与间接持股合计达到阈值）
// description: >
//   For one subject ($sid) or for every enterprise ($sid empty): the persons or entities whose
//   share, summed over every node-simple ownership chain to the subject of the product of the
//   chain's ratios, reaches the threshold. One row per (subject, controller), with the chains.
//
//   Rules. Chains follow current SHAREHOLDER_OF relationships (valid_to IS NULL) from the
//   controller to the subject, at most max_depth steps, never passing any subject twice
//   (node-simple; trap 2 of cypher-portability.md: on FalkorDB a variable-length path ending at
//   a bound node loses the paths that revisit it, so only node-simple paths give the same sum
//   on both engines). share = sum over chains of reduce(product of r.ratio). With ultimate_only
//   (the default) a controller must itself have no current shareholder (a person, an unresolved
//   name, or an enterprise nobody holds); otherwise every holder reaching the threshold is
//   reported, intermediate companies included. Hubs are reported like any controller but
//   flagged (controller_hub): a nominee holder is not a beneficial owner.
//
//   Evidence also lists the controller's blacklist entries active on the as-of date (status
//   active, start_date <= as_of, end_date null or >= as_of, valid_to null or after as_of);
//   disputed is true when one of them is disputed.
// severity: medium
// parameters:
//   as_of: {type: date, default: today, description: Date on which the controller's list entries are reported as active.}
//   sid: {type: string, default: "", description: The subject whose controllers are wanted (sid); empty for every enterprise.}
//   threshold: {type: float, default: 0.25, min: 0.0, max: 1.0, description: Least summed share reported.}
//   ultimate_only: {type: bool, default: true, description: Report only controllers that have no current shareholder themselves.}
//   max_depth: {type: int, default: 6, min: 1, max: 10, path_bound: true, description: Longest ownership chain followed (steps).}
//   limit: {type: int, default: 1000, min: 1, max: 1000000, description: Most rows returned.}
// columns:
//   target_sid: The subject controlled (sid).
//   target_name: Its name.
//   controller_sid: The controller (sid).
//   controller_name: Its name.
//   controller_labels: Its labels.
//   share: Summed share (sum over chains of the product of ratios), rounded to 4 decimals.
//   chain_count: Number of chains summed.
//   ultimate: true when the controller has no current shareholder itself.
//   controller_hub: true when the controller is a named hub (nominee holder, state-asset administration).
//   disputed: true when one of the controller's entries in evidence is disputed.
//   evidence: "{chains: [{sids, names, ratios, product}] each from the controller to the subject, largest product first; entries: [{id, list_type, severity, decision_no, start_date, end_date, status, disputed}] of the controller}."
// ---
MATCH (t:Subject)
WHERE t.sid = $sid OR $sid = ''
// The controllers of one subject at a time, summed inside the subquery: on FalkorDB one
// aggregation over every (subject, controller) pair (2 million at 1,000,000 enterprises) took
// four times as long as the search, small ones per subject almost nothing. The start node
// carries no label (SHAREHOLDER_OF starts at a Subject in model.yaml): checking it per path
// cost twice the search. nodes(p) is taken once, not once per node, for the node-simple test.
CALL {
  WITH t
  MATCH p = (c)-[:SHAREHOLDER_OF*1..6/*max_depth*/]->(t)
  WITH c, nodes(p) AS ns, relationships(p) AS rs
  WHERE all(r IN rs WHERE r.valid_to IS NULL)
    AND all(i IN range(1, size(ns) - 1) WHERE NOT ns[i] IN ns[0..i])
  WITH c, sum(reduce(acc = 1.0, r IN rs | acc * r.ratio)) AS share
  WHERE share >= $threshold
  RETURN c, share
}
// Whether the controller has a current holder itself (an expansion and a count: a pattern
// comprehension runs once per row on FalkorDB and is much slower). A person is never held
// (SHAREHOLDER_OF ends at an Enterprise), so only the others are expanded.
WITH t, c, share, CASE WHEN c:Person THEN null ELSE c END AS held
OPTIONAL MATCH (held)<-[uh:SHAREHOLDER_OF]-()
WITH t, c, share, sum(CASE WHEN uh IS NOT NULL AND uh.valid_to IS NULL THEN 1 ELSE 0 END) = 0 AS ultimate
WHERE ultimate OR NOT $ultimate_only
WITH t, c, share, ultimate
ORDER BY t.sid, share DESC, c.sid
LIMIT $limit
// The chains of the rows returned, matched again between the two (node-simple, as above).
MATCH p = (c)-[:SHAREHOLDER_OF*1..6/*max_depth*/]->(t)
WHERE all(r IN relationships(p) WHERE r.valid_to IS NULL)
  AND all(x IN nodes(p) WHERE single(y IN nodes(p) WHERE y = x))
WITH t, c, share, ultimate, p, reduce(acc = 1.0, r IN relationships(p) | acc * r.ratio) AS product
ORDER BY product DESC
WITH t, c, share, ultimate, collect(p) AS paths
OPTIONAL MATCH (c)-[:LISTED]->(le:ListEntry)
WITH t, c, paths, share, ultimate,
     collect(CASE WHEN le.list_type IN $blacklists AND le.status = 'active'
                   AND le.start_date <= $as_of AND (le.end_date IS NULL OR le.end_date >= $as_of)
                   AND (le.valid_to IS NULL OR le.valid_to > $as_of)
              THEN {id: le.id, list_type: le.list_type, severity: le.severity, decision_no: le.decision_no,
                    start_date: le.start_date, end_date: le.end_date, status: le.status,
                    disputed: coalesce(le.disputed, false)} END) AS entries
RETURN t.sid AS target_sid, t.name AS target_name, c.sid AS controller_sid,
       c.name AS controller_name, labels(c) AS controller_labels,
       round(share * 10000) / 10000.0 AS share, size(paths) AS chain_count, ultimate,
       coalesce(c.hub, false) AS controller_hub,
       any(x IN entries WHERE x.disputed) AS disputed,
       {chains: [q IN paths | {sids: [x IN nodes(q) | x.sid], names: [x IN nodes(q) | x.name],
                                ratios: [r IN relationships(q) | r.ratio],
                                product: reduce(acc = 1.0, r IN relationships(q) | acc * r.ratio)}],
        entries: entries} AS evidence
ORDER BY target_sid, share DESC, controller_sid
