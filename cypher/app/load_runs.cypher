// ---
// id: load_runs
// title: The load history
// title_zh: 加载历史
// description: >
//   Every LoadRun node (one per run of a loader over one snapshot), latest start first, with
//   all its properties: run_id, source, as_of, full_snapshot, status, started_at, finished_at,
//   rows read, rows loaded, quarantined, duplicates, seconds and the changes (JSON text).
// severity: info
// columns:
//   run: The LoadRun's properties.
// ---
MATCH (r:LoadRun)
RETURN properties(r) AS run
ORDER BY r.started_at DESC, r.run_id DESC
