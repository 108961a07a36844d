// Network metrics of the co-responsibility analysis onto Body nodes (idempotent).
// Nodes are found through the uri index, which is on :Resource (a :Body label alone is a scan).
UNWIND $rows AS row
MATCH (b:Resource:Body {uri: row.iri})
SET b.degree = row.degree, b.coordinationStrength = row.strength, b.betweenness = row.betweenness
RETURN count(b) AS updated
