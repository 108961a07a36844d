// Cascade links: an implementing task ANSWERS the implemented document's task (idempotent).
// Nodes are found through the uri index, which is on :Resource (a :Task label alone is a scan).
UNWIND $rows AS row
MATCH (a:Resource:Task {uri: row.from_iri})
MATCH (b:Resource:Task {uri: row.to_iri})
MERGE (a)-[r:ANSWERS]->(b)
SET r.score = row.score
RETURN count(r) AS linked
