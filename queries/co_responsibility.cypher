// title: Co-responsibility
// description: Pairs of bodies responsible for the same tasks, with the number of shared tasks.
// params: (none)
// example: policykg query co_responsibility
MATCH (r1:Responsibility)-[:forTask]->(t:Task)<-[:forTask]-(r2:Responsibility)
MATCH (r1)-[:responsibleBody]->(a), (r2)-[:responsibleBody]->(b)
WHERE a.prefLabel < b.prefLabel
RETURN a.prefLabel AS body_a, b.prefLabel AS body_b, count(DISTINCT t) AS shared_tasks
ORDER BY shared_tasks DESC, body_a, body_b
