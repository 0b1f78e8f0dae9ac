// Lints Cypher with Neo4j's own linter (@neo4j-cypher/language-support), offline.
//
// stdin:  JSON array of {"id": str, "query": str, "parameters": [names],
//                        "labels"?: [..], "relationshipTypes"?: [..], "propertyKeys"?: [..]}
// stdout: JSON array of {"id", "severity": "error"|"warning", "message", "line", "column"}
//         line and column are 1-based and count within that item's query; column counts
//         Unicode code points (the linter counts UTF-16 units, which Python does not).
// exit:   0 when the input was linted (whatever it found), 2 on bad input.
//
// Everything goes through one process because loading the linter's semantic analysis costs
// far more than linting a query. src/creditgraph/queries/lint.py is the caller.

import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

// The linter checks function and procedure names only against a catalogue it is given; offline
// the only one is the Neo4j 5 / 25 catalogue the package ships (built-ins plus APOC and GDS).
// With it, typos such as toLowr() and FalkorDB-only calls (db.indexes(), string.matchRegEx)
// are errors instead of passing silently.
const CATALOGUE = {
  functions: testData.mockSchema.functions,
  procedures: testData.mockSchema.procedures,
};

const UNKNOWN_NAME = " is not present in the database. Make sure you didn't misspell it";
const NOT_PROPERTY = /^(Label|Relationship type|Function|Procedure) /;
// An identifier (plain or backticked), optionally a $parameter, right before `.key`.
const OWNER_BEFORE_DOT = /(\$?)(`(?:[^`]|``)*`|[\p{L}_][\p{L}\p{N}_]*)\s*\.\s*$/u;

function isUnknownPropertyWarning(d) {
  return d.severity === 2 && d.message.includes(UNKNOWN_NAME) && !NOT_PROPERTY.test(d.message);
}

function symbolAt(symbolTables, offset) {
  for (const table of symbolTables) {
    for (const s of table) {
      if (s.definitionPosition === offset || s.references.includes(offset)) return s;
    }
  }
  return undefined;
}

// The linter decides whether `x.key` is a node/relationship property by looking the variable up
// by name only, and it charges `row.key` inside a pattern's map ({pid: row.pid}) to the
// pattern's node. So keys of parameter maps (UNWIND $rows AS row) come out as unknown
// properties. Keep a warning only when the owner at that very position is a node or
// relationship, or when the owner cannot be found (then the linter's own guess stands).
function isParameterMapKey(query, d, symbolTables) {
  const before = query.slice(0, d.offsets.start);
  const m = OWNER_BEFORE_DOT.exec(before);
  if (!m) return false; // a key in a pattern map or SET list: a real property
  if (m[1] === '$') return true;
  const ownerStart = m.index + m[1].length;
  if (/\.\s*$/.test(before.slice(0, ownerStart))) return true; // a.b.key: a key inside a map
  const owner = symbolAt(symbolTables, ownerStart);
  if (!owner) return false;
  const entity = owner.types.length > 0 && owner.types.every((t) => t === 'Node' || t === 'Relationship');
  return !entity;
}

function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function position(query, starts, d) {
  let { line, character } = d.range.start;
  if (line < 0 || character < 0 || line >= starts.length) return { line: 1, column: 1 };
  const lineText = query.slice(starts[line], starts[line] + character);
  return { line: line + 1, column: [...lineText].length + 1 };
}

function stringList(item, key) {
  const v = item[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new Error(`item ${JSON.stringify(item.id)}: "${key}" must be a list of strings`);
  }
  return v;
}

function lintItem(item) {
  if (typeof item !== 'object' || item === null || typeof item.query !== 'string') {
    throw new Error('each item must be an object with a string "query"');
  }
  const schema = { ...CATALOGUE, defaultLanguage: 'CYPHER 5', parameters: {} };
  for (const name of stringList(item, 'parameters') ?? []) schema.parameters[name] = null;
  for (const key of ['labels', 'relationshipTypes', 'propertyKeys']) {
    const v = stringList(item, key);
    if (v !== undefined) schema[key] = v;
  }
  // .cypher files hold Cypher only; a `:param` line there is a mistake, not a console command.
  const { diagnostics, symbolTables } = lintCypherQuery(item.query, schema, {
    consoleCommandsEnabled: false,
  });
  const starts = lineStarts(item.query);
  return diagnostics
    .filter((d) => !(isUnknownPropertyWarning(d) && isParameterMapKey(item.query, d, symbolTables)))
    .map((d) => ({
      id: item.id,
      severity: d.severity === 1 ? 'error' : 'warning',
      message: d.message,
      ...position(item.query, starts, d),
    }));
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

try {
  const items = JSON.parse(await readStdin());
  if (!Array.isArray(items)) throw new Error('stdin must be a JSON array');
  const out = items.flatMap(lintItem);
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (err) {
  process.stderr.write(`cypher-lint: ${err.message}\n`);
  process.exitCode = 2;
}
