-- Schema version 4: a message's ledger index is kept once, by its acceptance entry in `ledger`.
-- Several urad nodes on one database insert their batches' messages before they lock the ledger head
-- (so that one node's inserts overlap another's locked commit) and append the entries once they
-- hold it: the entry refers to its message (message_seq), and a second write of every message row
-- to copy the index into it is what this version removes. A message's index is the first entry
-- that refers to it (later ones record its deliveries). Refused, changing nothing, when a stored
-- index is not that entry's: such a database was changed outside urad.
DO $$
DECLARE
    differing bigint;
BEGIN
    SELECT count(*) INTO differing FROM messages m
    WHERE m.ledger_index IS DISTINCT FROM (SELECT min(l.idx) FROM ledger l WHERE l.message_seq = m.seq);
    IF differing > 0 THEN
        RAISE EXCEPTION '% messages name a ledger entry that is not the first entry referring to them; keep the database as evidence and restore the last good copy', differing;
    END IF;
END $$;
ALTER TABLE messages DROP COLUMN ledger_index;
