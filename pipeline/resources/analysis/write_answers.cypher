// Cascade links: an implementing task ANSWERS the implemented document's task (idempotent).
UNWIND $rows AS row
MATCH (a:Task {uri: row.from_iri})
MATCH (b:Task {uri: row.to_iri})
MERGE (a)-[r:ANSWERS]->(b)
SET r.score = row.score
RETURN count(r) AS linked
