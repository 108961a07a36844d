// Drop the previous cascade links before writing the current ones.
MATCH (:Task)-[r:ANSWERS]->(:Task)
DELETE r
RETURN count(r) AS removed
