// Network metrics of the co-responsibility analysis onto Body nodes (idempotent).
// Nodes are found through the unique uri index, which is on :Resource (a :Body label alone is a
// scan); the second label is checked after the seek, so the planner has one index to choose.
UNWIND $rows AS row
MATCH (b:Resource {uri: row.iri})
WHERE b:Body
SET b.degree = row.degree, b.coordinationStrength = row.strength, b.betweenness = row.betweenness
RETURN count(b) AS updated
