// ---
// id: reach
// title: Subjects within k hops of a subject
// title_zh: 主体k跳以内的关联主体
// description: >
//   Subjects linked to subject sid within k hops over legal representative and shareholder
//   relationships, not passing through a hub unless through_hubs is set. Exercises path
//   bounds and the runner-supplied parameters in the framework's tests.
// severity: low
// parameters:
//   sid: {type: string, description: The subject to start from (required).}
//   k: {type: int, default: 2, min: 1, max: 4, path_bound: true, description: Most hops.}
// columns:
//   subject_sid: Subject reached (sid).
//   hops: Length of the shortest path to it.
// ---
MATCH p = (a:Subject {sid: $sid})-[:LEGAL_REP_OF|SHAREHOLDER_OF*1..2/*k*/]-(b:Subject)
WHERE b <> a
  AND ($through_hubs OR none(n IN nodes(p) WHERE n <> a AND n <> b AND coalesce(n.hub, false)))
RETURN b.sid AS subject_sid, min(length(p)) AS hops
ORDER BY subject_sid
