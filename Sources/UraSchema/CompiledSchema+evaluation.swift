import UraJSON

/// Evaluation: walks the compiled nodes over an instance. In collecting mode it records an error
/// for each failed keyword and keeps going; otherwise it returns at the first failure.
extension CompiledSchema {
    /// Subschemas applied in place to one value (through `$ref`, `allOf`, …) before evaluation
    /// concludes the schema loops; real schemas nest a handful.
    static let sameLocationLimit = 64

    func evaluate(_ index: Int32, _ instance: JSONValue, _ context: inout EvaluationContext,
                  _ evaluated: inout EvaluatedLocations?) -> Bool {
        let node = nodes[Int(index)]
        if node.checks.isEmpty { return true }
        guard context.sameLocationDepth < CompiledSchema.sameLocationLimit else {
            context.fail(node.checks[0].site,
                         "the schema applies \(CompiledSchema.sameLocationLimit) nested subschemas to this one value; it probably refers to itself without descending into the instance")
            return false
        }
        guard context.depth < options.maximumDepth else {
            context.fail(node.checks[0].site, "the instance is nested deeper than the \(options.maximumDepth) levels of schema evaluation allowed")
            return false
        }
        context.depth += 1
        context.sameLocationDepth += 1
        defer {
            context.depth -= 1
            context.sameLocationDepth -= 1
        }
        var entered = false
        if tracksDynamicScope && context.scope.last != node.resource {
            context.scope.append(node.resource)
            entered = true
        }
        defer { if entered { context.scope.removeLast() } }

        if node.tracksEvaluation {
            var own: EvaluatedLocations? = EvaluatedLocations()
            let valid = run(node.checks, instance, &context, &own)
            if valid && evaluated != nil { evaluated!.merge(own!) }
            return valid
        }
        return run(node.checks, instance, &context, &evaluated)
    }

    private func run(_ checks: [SchemaCheck], _ instance: JSONValue, _ context: inout EvaluationContext,
                     _ evaluated: inout EvaluatedLocations?) -> Bool {
        // Through a buffer pointer the checks are borrowed, not copied (a retain per payload).
        checks.withUnsafeBufferPointer { buffer in
            var valid = true
            for i in buffer.indices where !apply(buffer.baseAddress! + i, instance, &context, &evaluated) {
                valid = false
                if !context.collecting { return false }
            }
            return valid
        }
    }

    /// Evaluates `index` against a member or item of the instance (a new instance location,
    /// so no annotations flow back).
    private func evaluateChild(_ index: Int32, _ value: JSONValue, _ token: EvaluationContext.PathToken,
                               _ context: inout EvaluationContext) -> Bool {
        var none: EvaluatedLocations?
        let sameLocationDepth = context.sameLocationDepth
        context.sameLocationDepth = 0
        defer { context.sameLocationDepth = sameLocationDepth }
        guard context.collecting else { return evaluate(index, value, &context, &none) }
        context.path.append(token)
        defer { context.path.removeLast() }
        return evaluate(index, value, &context, &none)
    }

    /// Evaluates without recording errors: for `not`, `if`, `contains`, where failing is not wrong.
    private func test(_ index: Int32, _ value: JSONValue, _ context: inout EvaluationContext,
                      _ evaluated: inout EvaluatedLocations?) -> Bool {
        let collecting = context.collecting
        context.collecting = false
        defer { context.collecting = collecting }
        return evaluate(index, value, &context, &evaluated)
    }

    /// A value as messages show it: strings quoted and shortened, other values as compact JSON,
    /// or only the type when `quotesValues` is off.
    func show(_ value: JSONValue) -> String {
        guard options.quotesValues else {
            return value.typeName == "integer" ? "the number" : "the " + value.typeName
        }
        switch value {
        case .string(let text):
            return "'" + EvaluationContext.shorten(text, 60) + "'"
        case .array, .object:
            return EvaluationContext.shorten(value.description, 60)
        default:
            return value.description
        }
    }

    private func isFalse(_ index: Int32) -> Bool {
        let checks = nodes[Int(index)].checks
        if checks.count == 1, case .never = checks[0].kind { return true }
        return false
    }

    private func apply(_ check: UnsafePointer<SchemaCheck>, _ instance: JSONValue, _ context: inout EvaluationContext,
                       _ evaluated: inout EvaluatedLocations?) -> Bool {
        // Each applicator has its own function so that the frames on the recursive path stay
        // small (debug builds give a function one frame slot per local of every case).
        switch check.pointee.kind {
        case .ref(let target):
            return evaluate(target, instance, &context, &evaluated)
        case .dynamicRef(let initial, let anchor):
            return applyDynamicRef(initial, anchor, instance, &context, &evaluated)
        case .allOf(let branches):
            return applyAllOf(branches, instance, &context, &evaluated)
        case .anyOf(let branches):
            return applyAnyOf(branches, check.pointee.site, instance, &context, &evaluated)
        case .oneOf(let branches):
            return applyOneOf(branches, check.pointee.site, instance, &context, &evaluated)
        case .not(let negated):
            return applyNot(negated, check.pointee.site, instance, &context, &evaluated)
        case .conditional(let condition, let then, let otherwise):
            return applyConditional(condition, then, otherwise, check.pointee.site, instance, &context, &evaluated)
        case .dependentSchemas(let dependencies):
            return applyDependentSchemas(dependencies, instance, &context, &evaluated)
        case .members(let members):
            guard case .object(let object) = instance else { return true }
            return applyMembers(members, object, &context, &evaluated)
        case .items(let items):
            guard case .array(let array) = instance else { return true }
            return applyItems(items, array, &context, &evaluated)
        case .contains(let schema, let minimum, let maximum):
            return applyContains(schema, minimum, maximum, check.pointee.site, instance, &context, &evaluated)
        case .propertyNames(let schema):
            return applyPropertyNames(schema, check.pointee.site, instance, &context, &evaluated)
        case .unevaluatedItems(let schema):
            return applyUnevaluatedItems(schema, check.pointee.site, instance, &context, &evaluated)
        case .unevaluatedProperties(let schema):
            return applyUnevaluatedProperties(schema, check.pointee.site, instance, &context, &evaluated)
        default:
            return assertion(check, instance, &context)
        }
    }

    private func applyDynamicRef(_ initial: Int32, _ anchor: String, _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        var target = initial
        for resource in context.scope {
            if let candidate = dynamicAnchors[Int(resource)][anchor] {
                target = candidate
                break
            }
        }
        return evaluate(target, instance, &context, &evaluated)
    }

    private func applyAllOf(_ branches: [Int32], _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        var valid = true
        for branch in branches where !evaluate(branch, instance, &context, &evaluated) {
            valid = false
            if !context.collecting { return false }
        }
        return valid
    }

    private func applyAnyOf(_ branches: [Int32], _ site: KeywordSite, _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        var matched = false
        var failures: [[ValidationError]] = []
        for branch in branches {
            var branchEvaluated: EvaluatedLocations? = evaluated == nil ? nil : EvaluatedLocations()
            let (valid, errors) = isolated(&context) { $0.evaluate(branch, instance, &$1, &branchEvaluated) }
            if valid {
                matched = true
                guard evaluated != nil else { return true }
                evaluated!.merge(branchEvaluated!)
            } else if context.collecting {
                failures.append(errors)
            }
        }
        if !matched {
            context.fail(site, "matches none of the \(branches.count) alternatives of anyOf" + Self.summary(failures))
        }
        return matched
    }

    private func applyOneOf(_ branches: [Int32], _ site: KeywordSite, _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        var matches: [Int] = []
        var chosen: EvaluatedLocations?
        var failures: [[ValidationError]] = []
        for (i, branch) in branches.enumerated() {
            var branchEvaluated: EvaluatedLocations? = evaluated == nil ? nil : EvaluatedLocations()
            let (valid, errors) = isolated(&context) { $0.evaluate(branch, instance, &$1, &branchEvaluated) }
            if valid {
                matches.append(i)
                chosen = branchEvaluated
                if matches.count > 1 { break }
            } else if context.collecting {
                failures.append(errors)
            }
        }
        if matches.count == 1 {
            if evaluated != nil, let chosen { evaluated!.merge(chosen) }
            return true
        }
        if matches.isEmpty {
            context.fail(site, "matches none of the \(branches.count) alternatives of oneOf" + Self.summary(failures))
        } else {
            context.fail(site, "matches alternatives \(matches[0]) and \(matches[1]) of oneOf, but must match exactly one")
        }
        return false
    }

    private func applyNot(_ negated: Int32, _ site: KeywordSite, _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        var none: EvaluatedLocations?
        guard test(negated, instance, &context, &none) else { return true }
        context.fail(site, "\(show(instance)) must not match the schema of 'not'")
        return false
    }

    private func applyConditional(_ condition: Int32, _ then: Int32?, _ otherwise: Int32?, _ site: KeywordSite, _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        if then == nil && otherwise == nil && evaluated == nil { return true }
        var conditionEvaluated: EvaluatedLocations? = evaluated == nil ? nil : EvaluatedLocations()
        if test(condition, instance, &context, &conditionEvaluated) {
            if evaluated != nil { evaluated!.merge(conditionEvaluated!) }
            guard let then else { return true }
            return evaluate(then, instance, &context, &evaluated)
        }
        guard let otherwise else { return true }
        return evaluate(otherwise, instance, &context, &evaluated)
    }

    private func applyDependentSchemas(_ dependencies: [(property: String, schema: Int32)], _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        guard case .object(let object) = instance else { return true }
        var valid = true
        for (property, schema) in dependencies where object[property] != nil && !evaluate(schema, instance, &context, &evaluated) {
            valid = false
            if !context.collecting { return false }
        }
        return valid
    }

    private func applyContains(_ schema: Int32, _ minimum: Int, _ maximum: Int?, _ site: KeywordSite, _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        guard case .array(let array) = instance else { return true }
        if minimum == 0 && maximum == nil && evaluated == nil { return true }
        var count = 0
        let sameLocationDepth = context.sameLocationDepth
        context.sameLocationDepth = 0
        defer { context.sameLocationDepth = sameLocationDepth }
        for (i, item) in array.enumerated() {
            var none: EvaluatedLocations?
            guard test(schema, item, &context, &none) else { continue }
            count += 1
            if evaluated != nil {
                evaluated!.items.insert(i)
            } else if maximum == nil && count >= minimum {
                break
            }
        }
        if count < minimum {
            context.fail(site, count == 0 && minimum == 1
                ? "no item of the array matches the schema of 'contains'"
                : "\(count) item\(count == 1 ? "" : "s") of the array match the schema of 'contains'; at least \(minimum) must")
            return false
        }
        if let maximum, count > maximum {
            context.fail(site, "\(count) items of the array match the schema of 'contains'; at most \(maximum) may")
            return false
        }
        return true
    }

    private func applyPropertyNames(_ schema: Int32, _ site: KeywordSite, _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        guard case .object(let object) = instance else { return true }
        var valid = true
        let sameLocationDepth = context.sameLocationDepth
        context.sameLocationDepth = 0
        defer { context.sameLocationDepth = sameLocationDepth }
        for key in object.keys {
            var none: EvaluatedLocations?
            let (ok, errors) = isolated(&context) { $0.evaluate(schema, .string(key), &$1, &none) }
            if ok { continue }
            valid = false
            guard context.collecting else { return false }
            context.fail(site, "the property name '\(key)' is not allowed" + (errors.first.map { ": " + $0.message } ?? ""))
        }
        return valid
    }

    private func applyUnevaluatedItems(_ schema: Int32, _ site: KeywordSite, _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        guard case .array(let array) = instance, let done = evaluated, !done.allItems else { return true }
        var valid = true
        for i in array.indices where !done.isEvaluated(item: i) {
            if isFalse(schema) {
                valid = false
                guard context.collecting else { return false }
                context.fail(site, "unexpected item at index \(i): no schema here allows it")
            } else if !evaluateChild(schema, array[i], .index(i), &context) {
                valid = false
                if !context.collecting { return false }
            }
        }
        if valid { evaluated!.allItems = true }
        return valid
    }

    private func applyUnevaluatedProperties(_ schema: Int32, _ site: KeywordSite, _ instance: JSONValue,
        _ context: inout EvaluationContext, _ evaluated: inout EvaluatedLocations?
    ) -> Bool {
        guard case .object(let object) = instance, let done = evaluated, !done.allProperties else { return true }
        var valid = true
        for key in object.keys where !done.isEvaluated(property: key) {
            if isFalse(schema) {
                valid = false
                guard context.collecting else { return false }
                context.fail(site, "unexpected property '\(key)': no schema here defines it")
            } else if !evaluateChild(schema, object[key]!, .key(key), &context) {
                valid = false
                if !context.collecting { return false }
            }
        }
        if valid { evaluated!.allProperties = true }
        return valid
    }

    /// The keywords that look at the value itself and never at subschemas.
    private func assertion(_ check: UnsafePointer<SchemaCheck>, _ instance: JSONValue, _ context: inout EvaluationContext) -> Bool {
        // Borrowed through the pointer: the site (and a payload) is only retained when it fails.
        switch check.pointee.kind {
        case .never:
            context.fail(check.pointee.site, "no value is allowed here (the schema is false)")
            return false

        case .type(let allowed):
            if !allowed.isDisjoint(with: TypeSet(of: instance)) { return true }
            context.fail(check.pointee.site, "must be \(allowed.phrase), but is \(TypeSet.article(instance.typeName)) \(instance.typeName)"
                         + (options.quotesValues ? ": \(show(instance))" : ""))
            return false

        case .const(let value):
            if instance.isSchemaEqual(to: value) { return true }
            context.fail(check.pointee.site, "\(show(instance)) is not the required value \(EvaluationContext.shorten(value.description, 80))")
            return false

        case .enumeration(let values):
            if values.contains(where: { instance.isSchemaEqual(to: $0) }) { return true }
            context.fail(check.pointee.site, "\(show(instance)) is not one of the allowed values \(Self.list(values.map(\.description)))")
            return false

        case .stringEnumeration(let set, let values):
            if case .string(let text) = instance {
                // A few values: comparing bytes beats hashing. Many: hash, then confirm exactly.
                if values.count <= 16 {
                    if values.contains(where: { $0.isIdentical(to: text) }) { return true }
                } else if let found = set.firstIndex(of: text), set[found].isIdentical(to: text) {
                    return true
                } else if values.contains(where: { $0.isIdentical(to: text) }) {
                    return true
                }
            }
            context.fail(check.pointee.site, "\(show(instance)) is not one of the allowed values \(Self.list(values.map { "'\($0)'" }))")
            return false

        case .multipleOf(let divisor):
            guard case .number(let n) = instance, !Self.isMultiple(n, of: divisor) else { return true }
            context.fail(check.pointee.site, "\(show(instance)) is not a multiple of \(JSONValue.number(divisor))")
            return false

        case .maximum(let limit):
            guard case .number(let n) = instance, n > limit else { return true }
            context.fail(check.pointee.site, "\(show(instance)) is greater than the maximum \(JSONValue.number(limit))")
            return false

        case .exclusiveMaximum(let limit):
            guard case .number(let n) = instance, n >= limit else { return true }
            context.fail(check.pointee.site, "\(show(instance)) is not less than \(JSONValue.number(limit)) (exclusiveMaximum)")
            return false

        case .minimum(let limit):
            guard case .number(let n) = instance, n < limit else { return true }
            context.fail(check.pointee.site, "\(show(instance)) is less than the minimum \(JSONValue.number(limit))")
            return false

        case .exclusiveMinimum(let limit):
            guard case .number(let n) = instance, n <= limit else { return true }
            context.fail(check.pointee.site, "\(show(instance)) is not greater than \(JSONValue.number(limit)) (exclusiveMinimum)")
            return false

        case .maxLength(let limit):
            // Lengths count code points; a string has at most as many as it has UTF-8 bytes.
            guard case .string(let text) = instance, text.utf8.count > limit else { return true }
            let length = text.unicodeScalars.count
            if length <= limit { return true }
            context.fail(check.pointee.site, "\(show(instance)) is \(length) characters long; at most \(limit) are allowed")
            return false

        case .minLength(let limit):
            guard case .string(let text) = instance, text.utf8.count < limit || text.unicodeScalars.count < limit else { return true }
            let length = text.unicodeScalars.count
            context.fail(check.pointee.site, "\(show(instance)) is \(length) characters long; at least \(limit) are required")
            return false

        case .pattern(let pattern):
            guard case .string(let text) = instance, !pattern.matches(text) else { return true }
            context.fail(check.pointee.site, "\(show(instance)) does not match the pattern \(pattern.source)")
            return false

        case .format(let format):
            guard case .string(let text) = instance, !format.accepts(text) else { return true }
            context.fail(check.pointee.site, "\(show(instance)) is not \(format.example) (format \(format.rawValue))")
            return false

        case .maxItems(let limit):
            guard case .array(let array) = instance, array.count > limit else { return true }
            context.fail(check.pointee.site, "the array has \(array.count) items; at most \(limit) are allowed")
            return false

        case .minItems(let limit):
            guard case .array(let array) = instance, array.count < limit else { return true }
            context.fail(check.pointee.site, "the array has \(array.count) item\(array.count == 1 ? "" : "s"); at least \(limit) are required")
            return false

        case .uniqueItems:
            guard case .array(let array) = instance, let (first, second) = Self.duplicate(in: array) else { return true }
            context.fail(check.pointee.site, "items \(first) and \(second) are equal; the items must be unique")
            return false

        case .maxProperties(let limit):
            guard case .object(let object) = instance, object.count > limit else { return true }
            context.fail(check.pointee.site, "the object has \(object.count) properties; at most \(limit) are allowed")
            return false

        case .minProperties(let limit):
            guard case .object(let object) = instance, object.count < limit else { return true }
            context.fail(check.pointee.site, "the object has \(object.count) propert\(object.count == 1 ? "y" : "ies"); at least \(limit) are required")
            return false

        case .required(let names):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for name in names where object[name] == nil {
                valid = false
                guard context.collecting else { return false }
                context.fail(check.pointee.site, "the required property '\(name)' is missing")
            }
            return valid

        case .dependentRequired(let dependencies):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for (property, requires) in dependencies where object[property] != nil {
                for name in requires where object[name] == nil {
                    valid = false
                    guard context.collecting else { return false }
                    context.fail(check.pointee.site, "the property '\(name)' is required when '\(property)' is present")
                }
            }
            return valid
        default:
            preconditionFailure("apply handles the applicators")
        }
    }

    private func applyMembers(_ members: MembersCheck, _ object: JSONObject, _ context: inout EvaluationContext,
                              _ evaluated: inout EvaluatedLocations?) -> Bool {
        var valid = true
        var present = 0
        for (name, schema, isFalse) in members.properties {
            guard let value = object[name] else { continue }
            present += 1
            if isFalse {
                valid = false
                guard context.collecting else { return false }
                context.fail(members.propertySite!, "the property '\(name)' is not allowed")
                continue
            }
            if !evaluateChild(schema, value, .key(name), &context) {
                valid = false
                if !context.collecting { return false }
            }
            if evaluated != nil { evaluated!.properties.insert(name) }
        }
        // Every member is a declared property: nothing is left for the other two keywords.
        if members.patterns.isEmpty && (members.additional == nil || present == object.count) { return valid }

        for key in object.keys {
            var covered = members.known.contains(key)
            for (pattern, schema) in members.patterns where pattern.matches(key) {
                covered = true
                if !evaluateChild(schema, object[key]!, .key(key), &context) {
                    valid = false
                    if !context.collecting { return false }
                }
                if evaluated != nil { evaluated!.properties.insert(key) }
            }
            guard !covered, let additional = members.additional else { continue }
            if members.additionalIsFalse {
                valid = false
                guard context.collecting else { return false }
                var message = "unexpected property '\(key)'"
                if members.patterns.isEmpty && !members.properties.isEmpty && members.properties.count <= 15 {
                    message += "; the allowed properties are " + members.properties.map(\.name).joined(separator: ", ")
                }
                context.fail(members.additionalSite!, message)
                continue
            }
            if !evaluateChild(additional, object[key]!, .key(key), &context) {
                valid = false
                if !context.collecting { return false }
            }
            if evaluated != nil { evaluated!.properties.insert(key) }
        }
        return valid
    }

    private func applyItems(_ items: ItemsCheck, _ array: [JSONValue], _ context: inout EvaluationContext,
                            _ evaluated: inout EvaluatedLocations?) -> Bool {
        var valid = true
        let prefixCount = min(array.count, items.prefix.count)
        for i in 0..<prefixCount where !evaluateChild(items.prefix[i], array[i], .index(i), &context) {
            valid = false
            if !context.collecting { return false }
        }
        if evaluated != nil { evaluated!.prefixItems = max(evaluated!.prefixItems, prefixCount) }
        guard let rest = items.rest, array.count > items.prefix.count else { return valid }
        if items.restIsFalse {
            context.fail(items.restSite!, "the array has \(array.count) items; at most \(items.prefix.count) are allowed")
            return false
        }
        for i in items.prefix.count..<array.count where !evaluateChild(rest, array[i], .index(i), &context) {
            valid = false
            if !context.collecting { return false }
        }
        if evaluated != nil { evaluated!.allItems = true }
        return valid
    }

    /// Runs `body` with an empty error list and returns its result and the errors it recorded,
    /// leaving the caller's errors as they were (alternatives of anyOf/oneOf, property names).
    private func isolated(_ context: inout EvaluationContext,
                          _ body: (CompiledSchema, inout EvaluationContext) -> Bool) -> (Bool, [ValidationError]) {
        guard context.collecting else { return (body(self, &context), []) }
        let saved = context.errors
        context.errors = []
        let valid = body(self, &context)
        let errors = context.errors
        context.errors = saved
        return (valid, errors)
    }

    /// "; alternative 0: /to: …; alternative 1: …" — the first error of each failed alternative.
    private static func summary(_ failures: [[ValidationError]]) -> String {
        let parts = failures.enumerated().prefix(5).compactMap { i, errors in
            errors.first.map { "alternative \(i): \($0)" }
        }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: "; ") + (failures.count > 5 ? "; …" : "") + ")"
    }

    private static func list(_ values: [String]) -> String {
        values.prefix(12).joined(separator: ", ") + (values.count > 12 ? ", … (\(values.count) in all)" : "")
    }

    /// `value` is an integer multiple of `divisor`, allowing for the binary rounding of decimal
    /// fractions (0.0075 / 0.0001 is 74.99999999999999 in doubles).
    static func isMultiple(_ value: Double, of divisor: Double) -> Bool {
        if value == 0 { return true }
        let quotient = value / divisor
        // Past the range of doubles the division overflows; the remainder is still exact.
        guard quotient.isFinite else { return value.truncatingRemainder(dividingBy: divisor) == 0 }
        let nearest = quotient.rounded()
        return quotient == nearest || abs(quotient - nearest) <= 4 * nearest.ulp
    }

    /// The indices of the first two equal items, if any.
    static func duplicate(in array: [JSONValue]) -> (Int, Int)? {
        if array.count < 2 { return nil }
        if array.count <= 16 {
            for i in array.indices {
                for j in (i + 1)..<array.count where array[i].isSchemaEqual(to: array[j]) { return (i, j) }
            }
            return nil
        }
        // Hashing equates no more than `isSchemaEqual` does, except canonically equivalent strings:
        // confirm a hash collision with the exact comparison.
        var seen: [JSONValue: [Int]] = [:]
        for (j, item) in array.enumerated() {
            if let earlier = seen[item], let i = earlier.first(where: { array[$0].isSchemaEqual(to: item) }) { return (i, j) }
            seen[item, default: []].append(j)
        }
        return nil
    }
}
