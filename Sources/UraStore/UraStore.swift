/// UraStore: the durable store behind the gateway (SQLite by default).
public enum UraStore {}
