// title: Goal cascade
// description: Every goal (task) of a national document, followed down the ANSWERS links that
//   `policykg analyze` writes (up to three levels: province, city, county) to the tasks of the
//   documents implementing it, with their lead bodies and quantitative targets (those of the task
//   and of its sub-items). Answered goals come first; a goal no document answers is listed once
//   with empty columns.
// params: (none)
// example: policykg query goal_cascade --format json
MATCH (nd:PolicyDocument)-[:level]->(lv), (nd)-[:hasTask]->(goal:Task)
WHERE lv.uri ENDS WITH '#NationalLevel'
OPTIONAL MATCH path = (task:Task)-[:ANSWERS*1..3]->(goal)
OPTIONAL MATCH (doc:PolicyDocument)-[:hasTask]->(task)
OPTIONAL MATCH (task)-[:leadBody]->(lead)
OPTIONAL MATCH (task)<-[:partOf*0..2]-(:Task)-[:hasTarget]->(g:Target)-[:measures]->(i)
OPTIONAL MATCH (g)-[:hasDeadline]->(dl)
OPTIONAL MATCH (g)-[:comparator]->(cmp)
WITH nd, goal, task, doc, path, collect(DISTINCT lead.prefLabel) AS leads,
     collect(DISTINCT CASE WHEN g IS NULL THEN null
                      ELSE {indicator: i.prefLabel,
                            comparator: CASE WHEN cmp.uri ENDS WITH '#AtLeast' THEN '≥' WHEN cmp.uri ENDS WITH '#AtMost' THEN '≤'
                                        WHEN cmp.uri ENDS WITH '#About' THEN '≈' WHEN cmp.uri ENDS WITH '#EqualTo' THEN '=' END,
                            value: g.targetValue, unit: g.unit,
                            deadline: dl.prefLabel} END) AS targets
RETURN nd.title AS national_document, nd.documentId AS national_id, goal.sectionId AS section,
       goal.heading AS goal, length(path) AS depth, doc.title AS implementing_document,
       doc.documentId AS implementing_id, task.heading AS implementing_task,
       leads AS lead_bodies, targets
ORDER BY implementing_task IS NULL, national_id, section, depth, implementing_id, implementing_task
