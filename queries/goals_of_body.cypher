// title: Goals of a body
// description: Tasks a body leads or supports, with each task's quantitative targets and deadlines.
//   The body is matched on ANY of its skos labels (prefLabel or altLabel).
// params: body (string) - any alias, e.g. 市卫健委, 卫生健康委 or 聊城市卫生健康委员会
// example: policykg query goals_of_body --param body=卫生健康委
MATCH (b:Body)
WHERE b.prefLabel = $body OR $body IN coalesce(b.altLabel, [])
MATCH (r:Responsibility)-[:responsibleBody]->(b)
MATCH (r)-[:forTask]->(t:Task)
MATCH (r)-[:role]->(role)
OPTIONAL MATCH (t)-[:hasTarget]->(g:Target)-[:measures]->(i)
OPTIONAL MATCH (g)-[:hasDeadline]->(d)
OPTIONAL MATCH (g)-[:comparator]->(cmp)
RETURN b.prefLabel AS body,
       CASE WHEN role.uri ENDS WITH 'LeadRole' THEN 'lead' ELSE 'support' END AS role,
       t.heading AS task, i.prefLabel AS indicator,
       CASE WHEN cmp.uri ENDS WITH '#AtLeast' THEN '≥' WHEN cmp.uri ENDS WITH '#AtMost' THEN '≤'
            WHEN cmp.uri ENDS WITH '#About' THEN '≈' WHEN cmp.uri ENDS WITH '#EqualTo' THEN '=' END AS comparator,
       g.targetValue AS value, g.unit AS unit,
       d.prefLabel AS deadline, t.uri AS task_uri
ORDER BY body, task, indicator
