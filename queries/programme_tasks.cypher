// title: A programme's tasks and bodies
// description: Tasks mentioning a programme (name contains the text) and the bodies responsible.
// params: programme (string) - a substring of the programme name, e.g. 千县工程
// example: policykg query programme_tasks --param programme=千县工程
MATCH (t:Task)-[:mentionsProgramme]->(p:Programme)
WHERE p.prefLabel CONTAINS $programme
OPTIONAL MATCH (r:Responsibility)-[:forTask]->(t)
OPTIONAL MATCH (r)-[:responsibleBody]->(b)
RETURN p.prefLabel AS programme, t.heading AS task, collect(DISTINCT b.prefLabel) AS bodies
ORDER BY programme, task
