// Lookups the app and the packs make by something other than the key.
CREATE INDEX enterprise_name_norm IF NOT EXISTS FOR (e:Enterprise) ON (e.name_norm);
CREATE INDEX organisation_name_norm IF NOT EXISTS FOR (o:Organisation) ON (o.name_norm);
CREATE INDEX person_name_norm IF NOT EXISTS FOR (p:Person) ON (p.name_norm);
CREATE INDEX list_entry_status IF NOT EXISTS FOR (l:ListEntry) ON (l.status);
CREATE INDEX list_entry_type IF NOT EXISTS FOR (l:ListEntry) ON (l.list_type);
CREATE FULLTEXT INDEX subject_names IF NOT EXISTS FOR (n:Enterprise|Organisation|Person) ON EACH [n.name, n.name_norm];
