// Full-text search on names for the app's fuzzy search.
CREATE FULLTEXT INDEX FOR (e:Enterprise) ON (e.name, e.name_norm);
CREATE FULLTEXT INDEX FOR (o:Organisation) ON (o.name, o.name_norm);
CREATE FULLTEXT INDEX FOR (p:Person) ON (p.name, p.name_norm);
