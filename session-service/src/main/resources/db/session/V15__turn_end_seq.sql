-- The end of a turn as it was published (issue 17, chaos partition): its seq and the owner epoch of the
-- live copy that published it. A copy cut off by a partition may end a turn (interrupted, failed) that
-- only its own memory holds; once another copy owns the session, a client resuming with an afterSeq
-- before that end gets it from here, with its original seq and epoch (SessionStore.turnEndsBetween).
-- Turns ended before this version have none: their end is never replayed.
ALTER TABLE turn ADD COLUMN end_seq bigint, ADD COLUMN end_epoch bigint;
CREATE INDEX turn_end_by_seq ON turn (session_id, end_seq) WHERE end_seq IS NOT NULL;
