import UraProvisioning
import UraClient
import UraDaemon
import Foundation
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraLoad
import UraProtocol
import UraSchema
import UraStoreSQLite

/// Validation rate of one instance against one schema (`isValid`, the intake path, and `validate`,
/// which builds error lists). Arguments: `[schema-file] [instance-file]`, by default the D2 monthly
/// monitoring report of `Schemas/`; with those missing (or `--sample`) two built-in samples: a
/// D2-like report and an envelope. `--dump-samples DIR` writes the samples for reference tools.
enum SchemaBench {
    static let defaultSchema = "Schemas/messages/reintegration.monitoring-report.schema.json"
    static let defaultInstance = "Schemas/examples/reintegration.monitoring-report.json"

    static func run(_ arguments: [String]) throws {
        if let flag = arguments.firstIndex(of: "--dump-samples") {
            guard flag + 1 < arguments.count else { throw BenchError("--dump-samples needs a directory") }
            try dumpSamples(to: URL(fileURLWithPath: arguments[flag + 1]))
            return
        }
        let paths = arguments.filter { !$0.hasPrefix("--") }
        if arguments.contains("--sample") || (paths.isEmpty && !FileManager.default.fileExists(atPath: defaultSchema)) {
            if paths.isEmpty && !arguments.contains("--sample") {
                FileHandle.standardError.write(Data("ura-bench schema: \(defaultSchema) does not exist yet; measuring the built-in samples\n".utf8))
            }
            for (name, schema, instance) in samples {
                var registry = SchemaRegistry()
                let uri = try registry.add(try JSONValue(parsing: schema))
                try measure(registry, uri, try JSONValue(parsing: instance), name: name)
            }
            return
        }
        let schemaURL = URL(fileURLWithPath: paths.first ?? defaultSchema).standardizedFileURL
        let instanceURL = URL(fileURLWithPath: paths.dropFirst().first ?? defaultInstance)
        var registry = SchemaRegistry()
        // Register the whole Schemas/ tree (or the schema's folder) so cross-file $refs resolve.
        var root = schemaURL.deletingLastPathComponent()
        while root.path != "/" && root.lastPathComponent != "Schemas" { root = root.deletingLastPathComponent() }
        try registry.addDirectory(root.path == "/" ? schemaURL.deletingLastPathComponent() : root)
        if !registry.contains(schemaURL.absoluteString) {
            try registry.add(try JSONValue(parsing: try Data(contentsOf: schemaURL)), retrievalURI: schemaURL.absoluteString)
        }
        let name = schemaURL.deletingPathExtension().deletingPathExtension().lastPathComponent
        try measure(registry, schemaURL.absoluteString, try JSONValue(parsing: try Data(contentsOf: instanceURL)), name: name)
    }

    private static func measure(_ registry: SchemaRegistry, _ uri: String, _ instance: JSONValue, name: String) throws {
        let clock = ContinuousClock()
        var validator: Validator?
        let compileTime = try clock.measure { validator = try registry.compile(uri) }
        let compiled = validator!
        let errors = compiled.validate(instance)
        if !errors.isEmpty {
            FileHandle.standardError.write(Data("ura-bench schema: the instance is invalid (\(errors.count) errors, first: \(errors[0])); measuring the failure path\n".utf8))
        }
        let compileMicroseconds = Double(compileTime.components.seconds) * 1e6 + Double(compileTime.components.attoseconds) / 1e12
        let extra = ["valid": String(errors.isEmpty), "compile_us": String(Int(compileMicroseconds))]
        let fast = measureRate { compiled.isValid(instance) ? 1 : 1 }
        report(suite: "schema", case: "isValid-\(name)", rate: fast, unit: "validations/s", extra: extra)
        let full = measureRate { compiled.validate(instance).isEmpty ? 1 : 1 }
        report(suite: "schema", case: "validate-\(name)", rate: full, unit: "validations/s", extra: extra)
    }

    /// Writes the built-in samples as `<name>.schema.json` and `<name>.json`, for reference tools.
    private static func dumpSamples(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, schema, instance) in samples {
            try Data(schema.utf8).write(to: directory.appendingPathComponent("\(name).schema.json"))
            try Data(instance.utf8).write(to: directory.appendingPathComponent("\(name).json"))
        }
    }

    static let samples = [("d2-sample", sampleSchema, sampleInstance), ("envelope-sample", envelopeSchema, envelopeInstance)]

    /// An envelope-like object: 12 fields, 4 patterns, uuids and date-times.
    static let envelopeSchema = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://schemas.ura.al/bench/envelope.schema.json",
      "type": "object",
      "additionalProperties": false,
      "required": ["id", "type", "from", "to", "case", "subject", "priority", "created", "expires", "body"],
      "properties": {
        "id": {"type": "string", "format": "uuid"},
        "type": {"type": "string", "pattern": "^[a-z]+(\\.[a-z0-9-]+)+$"},
        "from": {"$ref": "#/$defs/agencyID"},
        "to": {"type": "array", "minItems": 1, "maxItems": 20, "uniqueItems": true, "items": {"$ref": "#/$defs/agencyID"}},
        "case": {"type": "string", "pattern": "^AL-[0-9]{4}-[0-9]{6}$"},
        "subject": {"enum": ["adult", "child", "unknown"]},
        "priority": {"enum": ["normal", "urgent", "immediate"]},
        "created": {"type": "string", "format": "date-time"},
        "expires": {"type": "string", "format": "date-time"},
        "in_reply_to": {"type": ["string", "null"], "format": "uuid"},
        "declarations": {"type": "array", "items": {"type": "string", "format": "uuid"}},
        "body": {"type": "object", "required": ["protected", "recipients", "iv", "ciphertext", "tag"]}
      },
      "$defs": {"agencyID": {"type": "string", "pattern": "^al(\\.[a-z0-9-]+)+$", "maxLength": 64}}
    }
    """#

    static let envelopeInstance = #"""
    {"id": "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c", "type": "avr.assessment-request",
     "from": "al.shelter.qkpvt", "to": ["al.mpb.secretariat", "al.mepj"],
     "case": "AL-2026-000042", "subject": "child", "priority": "normal",
     "created": "2026-11-23T09:15:00Z", "expires": "2026-12-23T09:15:00Z",
     "in_reply_to": null, "declarations": [],
     "body": {"protected": "eyJlbmMiOiJBMjU2R0NNIn0", "recipients": [], "iv": "x", "ciphertext": "y", "tag": "z"}}
    """#

    /// A D2-like monthly monitoring report schema: ~30 fields, nested objects, arrays of objects,
    /// dates, enums, patterns and `$ref`s to `$defs`.
    static let sampleSchema = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://schemas.ura.al/bench/reintegration.monitoring-report.schema.json",
      "title": "D2 case monitoring report (benchmark sample)",
      "type": "object",
      "additionalProperties": false,
      "required": ["form", "case", "reportingMonth", "monthOfMonitoring", "caseManager", "agency", "submitted",
                   "situation", "services", "planTasks", "risk", "nextReview"],
      "properties": {
        "form": {"const": "D2"},
        "case": {"$ref": "#/$defs/caseReference"},
        "reportingMonth": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
        "monthOfMonitoring": {"type": "integer", "minimum": 1, "maximum": 24},
        "subject": {"enum": ["adult", "child"]},
        "caseManager": {
          "type": "object", "additionalProperties": false, "required": ["name", "role", "agency"],
          "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 120},
            "role": {"enum": ["case-manager", "social-worker", "psychologist"]},
            "agency": {"$ref": "#/$defs/agencyID"},
            "phone": {"type": "string", "pattern": "^\\+355[0-9]{8,9}$"}
          }
        },
        "agency": {"$ref": "#/$defs/agencyID"},
        "submitted": {"type": "string", "format": "date-time"},
        "situation": {
          "type": "object", "additionalProperties": false,
          "required": ["housing", "employment", "education", "health", "familyContact"],
          "properties": {
            "housing": {"enum": ["stable", "temporary", "shelter", "none"]},
            "employment": {"enum": ["employed", "training", "seeking", "unable"]},
            "education": {"enum": ["enrolled", "completed", "not-enrolled", "not-applicable"]},
            "health": {"type": "string", "maxLength": 500},
            "familyContact": {"type": "boolean"},
            "incomeLek": {"type": "number", "minimum": 0, "multipleOf": 0.01}
          }
        },
        "services": {"type": "array", "maxItems": 50, "items": {"$ref": "#/$defs/service"}},
        "planTasks": {
          "type": "array",
          "items": {
            "type": "object", "additionalProperties": false, "required": ["task", "responsible", "status", "due"],
            "properties": {
              "task": {"type": "string", "minLength": 1, "maxLength": 200},
              "responsible": {"$ref": "#/$defs/agencyID"},
              "status": {"enum": ["open", "in-progress", "done", "blocked"]},
              "due": {"type": "string", "format": "date"},
              "note": {"type": "string", "maxLength": 500}
            }
          }
        },
        "risk": {
          "type": "object", "additionalProperties": false, "required": ["level", "assessed"],
          "properties": {
            "level": {"enum": ["low", "medium", "high"]},
            "assessed": {"type": "string", "format": "date"},
            "factors": {"type": "array", "uniqueItems": true,
                        "items": {"enum": ["family", "trafficker-contact", "debt", "health", "stigma", "legal"]}}
          }
        },
        "incidents": {
          "type": "array",
          "items": {
            "type": "object", "required": ["date", "kind"],
            "properties": {
              "date": {"type": "string", "format": "date"},
              "kind": {"enum": ["threat", "recontact", "relapse", "other"]},
              "reportedTo": {"$ref": "#/$defs/agencyID"}
            }
          }
        },
        "consent": {
          "type": "object", "required": ["informed", "date"],
          "properties": {"informed": {"const": true}, "date": {"type": "string", "format": "date"}}
        },
        "nextReview": {"type": "string", "format": "date"},
        "proposeSustainablyReintegrated": {"type": "boolean"},
        "attachments": {
          "type": "array",
          "items": {
            "type": "object", "required": ["id", "mediaType"],
            "properties": {
              "id": {"type": "string", "format": "uuid"},
              "mediaType": {"enum": ["application/pdf", "image/jpeg"]},
              "sha256": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"}
            }
          }
        }
      },
      "$defs": {
        "agencyID": {"type": "string", "pattern": "^al(\\.[a-z0-9-]+)+$", "maxLength": 64},
        "caseReference": {"type": "string", "pattern": "^AL-[0-9]{4}-[0-9]{6}$"},
        "service": {
          "type": "object", "additionalProperties": false, "required": ["kind", "provider", "from"],
          "properties": {
            "kind": {"enum": ["psychological", "legal", "medical", "vocational", "housing", "financial", "education"]},
            "provider": {"$ref": "#/$defs/agencyID"},
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "sessions": {"type": "integer", "minimum": 0}
          }
        }
      }
    }
    """#

    static let sampleInstance = #"""
    {
      "form": "D2",
      "case": "AL-2026-000042",
      "reportingMonth": "2026-11",
      "monthOfMonitoring": 7,
      "subject": "adult",
      "caseManager": {"name": "Case manager 17", "role": "case-manager", "agency": "al.sherbimi-social.tirane", "phone": "+355691234567"},
      "agency": "al.sherbimi-social.tirane",
      "submitted": "2026-11-30T16:45:00Z",
      "situation": {"housing": "temporary", "employment": "training", "education": "not-applicable",
                    "health": "Attends follow-up appointments.", "familyContact": true, "incomeLek": 18500.5},
      "services": [
        {"kind": "psychological", "provider": "al.shelter.qkpvt", "from": "2026-05-02", "sessions": 14},
        {"kind": "vocational", "provider": "al.akpa.tirane", "from": "2026-08-15", "to": "2026-12-15"},
        {"kind": "legal", "provider": "al.ngo.legal-aid", "from": "2026-06-01", "sessions": 3}
      ],
      "planTasks": [
        {"task": "Enrol in tailoring course", "responsible": "al.akpa.tirane", "status": "done", "due": "2026-08-15"},
        {"task": "Find stable housing", "responsible": "al.bashkia.tirane", "status": "in-progress", "due": "2026-12-31", "note": "Social housing application filed."},
        {"task": "Monthly counselling", "responsible": "al.shelter.qkpvt", "status": "open", "due": "2026-12-20"},
        {"task": "Renew identity card", "responsible": "al.police.dvp-tirane", "status": "blocked", "due": "2026-11-30"}
      ],
      "risk": {"level": "medium", "assessed": "2026-11-20", "factors": ["debt", "stigma"]},
      "incidents": [{"date": "2026-11-03", "kind": "recontact", "reportedTo": "al.police.dvp-tirane"}],
      "consent": {"informed": true, "date": "2026-05-02"},
      "nextReview": "2026-12-31",
      "proposeSustainablyReintegrated": false,
      "attachments": [{"id": "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c", "mediaType": "application/pdf", "sha256": "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg"}]
    }
    """#
}
