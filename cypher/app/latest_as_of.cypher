// ---
// id: latest_as_of
// title: The latest snapshot date loaded
// title_zh: 最新快照日期
// description: >
//   The as_of of the latest load run that completed (status done), or null when none has.
//   The app judges list entries on this date when the investigator gives none.
// severity: info
// columns:
//   as_of: The date, YYYY-MM-DD, or null.
// ---
MATCH (r:LoadRun)
WHERE r.status = 'done'
RETURN max(r.as_of) AS as_of
