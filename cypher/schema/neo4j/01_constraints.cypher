// Uniqueness on every business key. Loaders MERGE on these, so each must be backed by an index;
// a uniqueness constraint gives both the index and the guarantee.
CREATE CONSTRAINT subject_sid IF NOT EXISTS FOR (s:Subject) REQUIRE s.sid IS UNIQUE;
CREATE CONSTRAINT enterprise_uscc IF NOT EXISTS FOR (e:Enterprise) REQUIRE e.uscc IS UNIQUE;
CREATE CONSTRAINT organisation_uscc IF NOT EXISTS FOR (o:Organisation) REQUIRE o.uscc IS UNIQUE;
CREATE CONSTRAINT person_pid IF NOT EXISTS FOR (p:Person) REQUIRE p.pid IS UNIQUE;
CREATE CONSTRAINT department_code IF NOT EXISTS FOR (d:Department) REQUIRE d.code IS UNIQUE;
CREATE CONSTRAINT region_code IF NOT EXISTS FOR (r:Region) REQUIRE r.code IS UNIQUE;
CREATE CONSTRAINT list_entry_id IF NOT EXISTS FOR (l:ListEntry) REQUIRE l.id IS UNIQUE;
CREATE CONSTRAINT address_key IF NOT EXISTS FOR (a:Address) REQUIRE a.key IS UNIQUE;
CREATE CONSTRAINT phone_number IF NOT EXISTS FOR (p:Phone) REQUIRE p.number IS UNIQUE;
CREATE CONSTRAINT load_run_id IF NOT EXISTS FOR (r:LoadRun) REQUIRE r.run_id IS UNIQUE;
