// title: Everything due by a year
// description: Targets whose deadline year is at most the given year, with task and indicator.
// params: year (integer) - e.g. 2025
// example: policykg query due_by_year --param year=2025
MATCH (g:Target)-[:hasDeadline]->(d)
WHERE d.prefLabel IS NOT NULL AND toInteger(left(d.prefLabel, 4)) <= $year
OPTIONAL MATCH (g)-[:measures]->(i)
OPTIONAL MATCH (g)-[:comparator]->(cmp)
OPTIONAL MATCH (t:Task)-[:hasTarget]->(g)
RETURN d.prefLabel AS deadline, i.prefLabel AS indicator,
       CASE WHEN cmp.uri ENDS WITH '#AtLeast' THEN '≥' WHEN cmp.uri ENDS WITH '#AtMost' THEN '≤'
            WHEN cmp.uri ENDS WITH '#About' THEN '≈' WHEN cmp.uri ENDS WITH '#EqualTo' THEN '=' END AS comparator,
       g.targetValue AS value, g.unit AS unit, t.heading AS task
ORDER BY deadline, indicator
