-- Federation (SQLite's migration 10). A peer gateway's accepted receipt for a relayed message is an
-- `accepted` entry of the sender's feed, once per message and recipient; a message a peer relayed
-- here names that peer (relayed_by), and its recipient's delivered receipt is queued in
-- receipt_forwards in the same transaction, until that peer has taken it (retried with backoff,
-- across restarts).
ALTER TABLE messages ADD COLUMN relayed_by text;
CREATE UNIQUE INDEX receipts_relay_accepted ON receipts (message_id, recipient) WHERE kind = 'accepted';

CREATE TABLE receipt_forwards (
    message_id text NOT NULL,
    recipient text NOT NULL,
    peer text NOT NULL,
    receipt bytea NOT NULL,
    queued_at bigint NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    last_error text,
    done_at bigint,
    PRIMARY KEY (message_id, recipient)
);
CREATE INDEX receipt_forwards_due ON receipt_forwards (next_attempt_at) WHERE done_at IS NULL;
