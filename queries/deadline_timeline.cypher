// title: Deadline timeline
// description: Number of targets per deadline, with their indicators, in time order.
// params: (none)
// example: policykg query deadline_timeline
MATCH (g:Target)-[:hasDeadline]->(d)
OPTIONAL MATCH (g)-[:measures]->(i)
RETURN d.prefLabel AS deadline, count(g) AS targets, collect(DISTINCT i.prefLabel) AS indicators
ORDER BY deadline
