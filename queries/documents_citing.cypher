// title: Documents citing a document
// description: Documents that cite or implement a document whose title or number contains the text,
//   each pair once: a document that both cites and implements it shows as implementing it.
// params: document (string) - part of a title or document number, e.g. 中办发
// example: policykg query documents_citing --param document=中办发
MATCH (d:PolicyDocument)-[rel]->(c:PolicyDocument)
WHERE type(rel) IN ['cites', 'implements']
  AND (c.title CONTAINS $document OR c.documentNumber CONTAINS $document)
WITH c, d, collect(DISTINCT type(rel)) AS relations
RETURN c.title AS cited, c.documentNumber AS number, d.title AS citing,
       CASE WHEN 'implements' IN relations THEN 'implements' ELSE 'cites' END AS relation
ORDER BY cited, citing
