// ---
// id: load_sources
// title: The data sources loaded
// title_zh: 已加载的数据来源
// description: >
//   Every source a load run has recorded. A subject known only by name has the sid
//   name:<source>:<normalised name>, so the app's search finds one by its exact name
//   through the sid index, once per source.
// severity: info
// columns:
//   source: A source name.
// ---
MATCH (r:LoadRun)
RETURN DISTINCT r.source AS source
ORDER BY source
