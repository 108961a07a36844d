// Cascade links: an implementing task ANSWERS the implemented document's task (idempotent).
// Nodes are found through the unique uri index, which is on :Resource (a :Task label alone is a
// scan); the second label is checked after the seek, so the planner has one index to choose.
UNWIND $rows AS row
MATCH (a:Resource {uri: row.from_iri})
WHERE a:Task
MATCH (b:Resource {uri: row.to_iri})
WHERE b:Task
MERGE (a)-[r:ANSWERS]->(b)
SET r.score = row.score
RETURN count(r) AS linked
