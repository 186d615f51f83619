#!/usr/bin/env python3
"""The checks of the power-loss test (scripts/powerloss/run.sh), read-only on urad's SQLite file.

    check.py store DB ACKED_FILE
        Every id in ACKED_FILE (one a line: messages urad answered 202) is stored; none is stored
        twice (one row, one ledger entry, one delivery a recipient); nothing half-written (the
        orphan checks of Tests/UraDaemonTests/CrashSafetyTests). Prints one line of counts:
        acknowledged=N missing=N duplicates=N half_written=N stored=N ledger=N; exit 1 on a loss.
    check.py ids DB SENDER
        Prints the ids of the messages SENDER has stored, one a line.
    check.py inbox FOLDER
        Prints the ids of the messages kept whole in an inbox folder (ID.jws not empty and ID.json
        a JSON object), one a line.
    check.py delivered DB RECIPIENT
        Prints the ids of the messages whose delivery to RECIPIENT is recorded as delivered (the
        recipient acknowledged them with a signed delivered receipt), one a line.
"""
import sqlite3
import sys


def connect(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    db.execute("PRAGMA query_only = ON")
    return db


def scalar(db, query, *args):
    return db.execute(query, args).fetchone()[0]


def store(path, acked_file):
    with open(acked_file) as f:
        acked = [line.strip() for line in f if line.strip()]
    db = connect(path)
    stored = {row[0] for row in db.execute("SELECT id FROM messages")}
    missing = [i for i in set(acked) if i not in stored]
    duplicates = scalar(db, "SELECT count(*) FROM (SELECT id FROM messages GROUP BY id HAVING count(*) > 1)")
    duplicates += scalar(db, "SELECT count(*) FROM (SELECT message_seq FROM ledger WHERE message_seq IS NOT NULL GROUP BY message_seq HAVING count(*) > 1)")
    duplicates += scalar(db, "SELECT count(*) FROM (SELECT message_seq, recipient FROM deliveries GROUP BY message_seq, recipient HAVING count(*) > 1)")
    duplicates += len(acked) - len(set(acked))   # urad acknowledged one message twice with 202
    half_written = 0
    for query in (
        "SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_seq = m.seq)",
        "SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.seq = d.message_seq)",
        "SELECT count(*) FROM messages m WHERE json_array_length(m.recipients) != (SELECT count(*) FROM deliveries d WHERE d.message_seq = m.seq)",
        "SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.idx = m.ledger_index AND l.message_seq = m.seq)",
        "SELECT count(*) FROM ledger l WHERE l.message_seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.seq = l.message_seq)",
    ):
        half_written += scalar(db, query)
    ledger = scalar(db, "SELECT count(*) FROM ledger")
    print(f"acknowledged={len(set(acked))} missing={len(missing)} duplicates={duplicates} half_written={half_written} "
          f"stored={len(stored)} ledger={ledger}")
    for i in sorted(missing)[:5]:
        print(f"  missing: {i}", file=sys.stderr)
    return 1 if missing or duplicates or half_written else 0


def ids(path, sender):
    db = connect(path)
    for (i,) in db.execute("SELECT id FROM messages WHERE sender = ? ORDER BY seq", (sender,)):
        print(i)
    return 0


def delivered(path, recipient):
    db = connect(path)
    for (i,) in db.execute("SELECT m.id FROM deliveries d JOIN messages m ON m.seq = d.message_seq "
                           "WHERE d.recipient = ? AND d.state = 'delivered' ORDER BY m.seq", (recipient,)):
        print(i)
    return 0


def inbox(folder):
    import json
    import os
    if not os.path.isdir(folder):
        return 0
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".jws"):
            continue
        message = name[:-4]
        try:
            whole = os.path.getsize(os.path.join(folder, name)) > 0
            with open(os.path.join(folder, message + ".json")) as f:
                whole = whole and isinstance(json.load(f), dict)
        except (OSError, ValueError):
            whole = False
        if whole:
            print(message)
    return 0


def main(argv):
    if len(argv) == 3 and argv[0] == "store":
        return store(argv[1], argv[2])
    if len(argv) == 3 and argv[0] == "ids":
        return ids(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "inbox":
        return inbox(argv[1])
    if len(argv) == 3 and argv[0] == "delivered":
        return delivered(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
