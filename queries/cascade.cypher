// title: Cascade from a document to its implementers
// description: Documents implementing (or citing) a document whose title/number contains the text,
//   task by task: each implementing document's tasks with their lead bodies.
// params: document (string) - e.g. 中办发〔2023〕10号
// example: policykg query cascade --param document=中办发
MATCH (d:PolicyDocument)-[rel]->(c:PolicyDocument)
WHERE type(rel) IN ['implements', 'cites']
  AND (c.title CONTAINS $document OR c.documentNumber CONTAINS $document)
MATCH (d)-[:hasTask]->(t:Task)
OPTIONAL MATCH (t)-[:leadBody]->(b)
RETURN c.title AS source, type(rel) AS relation, d.title AS implementer, t.sectionId AS section,
       t.heading AS task, collect(DISTINCT b.prefLabel) AS lead_bodies
ORDER BY implementer, section
