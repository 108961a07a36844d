// title: Owners of an indicator
// description: Targets whose indicator contains the given text, the task they belong to and the
//   bodies leading / supporting that task.
// params: indicator (string) - a substring of the indicator, e.g. 门急诊
// example: policykg query owners_of_indicator --param indicator=门急诊
MATCH (t:Task)-[:hasTarget]->(g:Target)-[:measures]->(i)
WHERE i.prefLabel CONTAINS $indicator
OPTIONAL MATCH (g)-[:hasDeadline]->(d)
OPTIONAL MATCH (g)-[:comparator]->(cmp)
OPTIONAL MATCH (r:Responsibility)-[:forTask]->(t)
OPTIONAL MATCH (r)-[:responsibleBody]->(b)
OPTIONAL MATCH (r)-[:role]->(role)
RETURN i.prefLabel AS indicator,
       CASE WHEN cmp.uri ENDS WITH '#AtLeast' THEN '≥' WHEN cmp.uri ENDS WITH '#AtMost' THEN '≤'
            WHEN cmp.uri ENDS WITH '#About' THEN '≈' WHEN cmp.uri ENDS WITH '#EqualTo' THEN '=' END AS comparator,
       g.targetValue AS value, g.unit AS unit, d.prefLabel AS deadline,
       t.heading AS task, b.prefLabel AS body,
       CASE WHEN role IS NULL THEN null WHEN role.uri ENDS WITH 'LeadRole' THEN 'lead' ELSE 'support' END AS role
ORDER BY indicator, task, role, body
