// title: Tasks with no quantitative target
// description: Tasks that have responsible bodies but no Target (pattern predicate: portable).
// params: (none)
// example: policykg query tasks_without_target
MATCH (doc:PolicyDocument)-[:hasTask]->(t:Task)
WHERE NOT (t)-[:hasTarget]->() AND (t)<-[:forTask]-()
RETURN doc.title AS document, t.sectionId AS section, t.heading AS task
ORDER BY document, section
