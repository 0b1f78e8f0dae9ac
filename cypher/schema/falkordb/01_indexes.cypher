// FalkorDB needs an exact-match index before a uniqueness constraint can be created on it,
// and CREATE INDEX is not idempotent there: the backend checks db.indexes() first.
CREATE INDEX FOR (s:Subject) ON (s.sid);
CREATE INDEX FOR (e:Enterprise) ON (e.uscc);
CREATE INDEX FOR (o:Organisation) ON (o.uscc);
CREATE INDEX FOR (p:Person) ON (p.pid);
CREATE INDEX FOR (d:Department) ON (d.code);
CREATE INDEX FOR (r:Region) ON (r.code);
CREATE INDEX FOR (l:ListEntry) ON (l.id);
CREATE INDEX FOR (a:Address) ON (a.key);
CREATE INDEX FOR (p:Phone) ON (p.number);
CREATE INDEX FOR (r:LoadRun) ON (r.run_id);
CREATE INDEX FOR (e:Enterprise) ON (e.name_norm);
CREATE INDEX FOR (o:Organisation) ON (o.name_norm);
CREATE INDEX FOR (p:Person) ON (p.name_norm);
CREATE INDEX FOR (l:ListEntry) ON (l.status);
CREATE INDEX FOR (l:ListEntry) ON (l.list_type);
