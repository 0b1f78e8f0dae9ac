// ---
// id: subjects_by_sid
// title: Subjects by sid
// title_zh: 按主体标识查找主体
// description: >
//   The subjects whose sid is in $sids (a USCC for enterprises and organisations, the keyed
//   hash of the resident ID for persons, name:<source>:<normalised name> for a subject known
//   only by name), through the sid index. The app's exact search and its evidence drawings
//   use it.
// severity: info
// parameters:
//   sids: {type: list, default: [], description: Subjects (sid).}
// columns:
//   sid: The subject (sid).
//   node: The subject.
// ---
UNWIND $sids AS sid
MATCH (s:Subject {sid: sid})
RETURN sid, s AS node
