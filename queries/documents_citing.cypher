// title: Documents citing a document
// description: Documents that cite or implement a document whose title or number contains the text.
// params: document (string) - part of a title or document number, e.g. 中办发
// example: policykg query documents_citing --param document=中办发
MATCH (d:PolicyDocument)-[rel]->(c:PolicyDocument)
WHERE type(rel) IN ['cites', 'implements']
  AND (c.title CONTAINS $document OR c.documentNumber CONTAINS $document)
RETURN c.title AS cited, c.documentNumber AS number, d.title AS citing, type(rel) AS relation
ORDER BY cited, citing, relation
