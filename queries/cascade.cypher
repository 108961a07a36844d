// title: Cascade from a document to its implementers
// description: Documents implementing (or citing) a document whose title/number contains the text,
//   task by task: each implementing document's tasks with their lead bodies. One row per task: a
//   document that both cites and implements the source shows as implementing it.
// params: document (string) - e.g. 中办发〔2023〕10号
// example: policykg query cascade --param document=中办发
MATCH (d:PolicyDocument)-[rel]->(c:PolicyDocument)
WHERE type(rel) IN ['implements', 'cites']
  AND (c.title CONTAINS $document OR c.documentNumber CONTAINS $document)
WITH c, d, collect(DISTINCT type(rel)) AS relations
MATCH (d)-[:hasTask]->(t:Task)
OPTIONAL MATCH (t)-[:leadBody]->(b)
WITH c, d, t, CASE WHEN 'implements' IN relations THEN 'implements' ELSE 'cites' END AS relation,
     collect(DISTINCT b.prefLabel) AS lead_bodies
RETURN c.title AS source, relation, d.title AS implementer, t.sectionId AS section,
       t.heading AS task, lead_bodies
ORDER BY source, implementer, section
