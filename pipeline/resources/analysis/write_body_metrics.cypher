// Network metrics of the co-responsibility analysis onto Body nodes (idempotent).
UNWIND $rows AS row
MATCH (b:Body {uri: row.iri})
SET b.degree = row.degree, b.coordinationStrength = row.strength, b.betweenness = row.betweenness
RETURN count(b) AS updated
