/// UraSchema: a JSON Schema draft 2020-12 validator and the loader of the message catalogue.
public enum UraSchema {}
