-- The audit trail is each case's log of events (docs/data-model.md): a case's entries
-- are read in order by (entity, entity_id, seq). The history tables and the columns the
-- log now answers are dropped by a step in Rust that runs after the migrations
-- (crates/store/src/store/legacy.rs), because it first rebuilds each case's events
-- from them.
CREATE INDEX audit_case ON audit (entity, entity_id, seq);
