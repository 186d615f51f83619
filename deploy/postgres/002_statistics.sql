-- The statistics and the trends count in SQL over a year of messages: an index on acceptance that
-- covers what they group by (an index-only scan), and the given-up deliveries by settling time as
-- the delivered ones already are. (SQLite's migration 9.)
DROP INDEX messages_accepted;
CREATE INDEX messages_accepted ON messages (accepted_at) INCLUDE (county, type, subject, case_ref);
CREATE INDEX deliveries_given_up ON deliveries (settled_at) WHERE state = 'dead_letter';
