// title: Provenance of a fact
// description: The source file, offsets and sentence a fact (Target, Responsibility, Task, ...) was
//   read from, given its uri or a substring of it.
// params: fact (string) - a fact's uri or part of it, e.g. /target/
// example: policykg query provenance --param fact=task/p2.i1/lead
// The fact is left without a label: with :Resource, Neo4j 5.26's planner sometimes picked the
// uri RANGE index for CONTAINS and refused its own plan.
MATCH (m:Mention)<-[:wasDerivedFrom]-(f)
WHERE f.uri CONTAINS $fact
RETURN f.uri AS fact, m.sourceFile AS source, m.startOffset AS start, m.endOffset AS end,
       m.rawStart AS raw_start, m.rawEnd AS raw_end, m.sentence AS sentence
ORDER BY fact, start
