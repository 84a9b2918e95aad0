"""The linkage engine: which agencies' mentions are one person (identity resolution), in plain Python and Arrow.

No Django here: the people app's services call it with mention dicts and keep their own stable person ids.

Pipeline (`pipeline.link_mentions` runs it all):

1. `prepare.prepare(mentions)` — clean identifying fields and collapse mentions into one linkage row per
   distinct (agency-held identity, cleaned attributes); flag mentions that cannot be linked by identity
   (relationship-only, unborn, too little to go on).
2. `model.train(table)` — a Splink 5 model (`profiles.PERSON`: given name, family name, date of birth, sex,
   NHS number, UPN, postcode), deterministic for a seed; a JSON-serialisable dict.
3. `predict.predict_pairs(table, model, threshold)` — score the blocked pairs on DuckDB
   (`spark.predict_pairs_spark` on Spark gives the same pairs and probabilities).
4. `cluster.cluster(...)` — precision-first clustering with review decisions and a guard against chaining,
   including the family constraints of `family.py` (when two NHS numbers can be one person's; twins).
5. `context.link_by_context(...)` — "accompanied by: mother" and unborn children, through their records.

Online matching of one mention at ingest: `prepare.identity_row`, `online.blocking_keys`,
`online.Scorer`, `online.match_person`.

Thresholds (on Splink's match probability), `pipeline.ACCEPT = 0.9`, `pipeline.REVIEW_LOW = 0.5`:
an edge at or above ACCEPT joins two clusters unless a cannot-link decision or the identifier guard
forbids it; edges in [REVIEW_LOW, ACCEPT) between different clusters, and edges the guard refused, go to
the review queue. Measured on the simulated authority (70,000 children, seed 1, 3,018,153 mentions,
pairwise over mentions, unlinkable mentions counted as missed pairs):

| accept | precision | recall | review pairs |
|---|---|---|---|
| 0.5 | 0.999926 | 0.992063 | 5,388 (4,133 ambiguous, 1,255 identifier conflicts) |
| 0.8 | 0.999934 | 0.992365 | 5,117 |
| **0.9** | **0.999944** | **0.992162** | **5,346** (1,579 uncertain, 3,032 ambiguous, 735 conflicts) |
| 0.95 | 0.999966 | 0.991385 | 6,095 |
| 0.99 | 0.999992 | 0.961781 | 36,029 |

(With 1,000,000 mentions of a 25,000-child authority, at 0.9: precision 0.999952, recall 0.993209; on
300-child authorities, seeds 1-5: precision 1.0, recall 0.9917-0.9927.)

Why 0.9: it keeps recall near its best with precision far above the 0.998 target. Higher thresholds
shut out rows that hold only a name and a postcode (housing and ambulance records without a date of
birth or identifier), which score about 0.98-0.999 depending on the authority's size: recall collapses by
0.99. Lower thresholds let more of those rows match two people (father and son of one name at one
address), which the clustering then holds back as ambiguous, so recall does not improve either. 0.95 is
the stricter choice (precision 0.999966) but leaves recall only 0.0014 above the 0.99 target. The
precision comes from the guard more than the threshold: the same model and threshold clustered as plain
connected components give precision 0.994172 (5,000 children, seed 1) against 0.999957 with the guard.
Probabilities depend on the prior (the chance two random rows match), which falls as an authority grows,
so re-measure with `joinedup bench linkage` before changing them.
"""
