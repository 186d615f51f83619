import Foundation
import Testing
import UraModel
import UraStore

extension StoreConformance {
    /// Deliveries: claims and leases by priority and recipient, retries, dead letters and redrives,
    /// inboxes, channel changes and closed windows.
    public static let delivery: [StoreCheck] = [
        StoreCheck("claimLeasesDueDeliveriesByPriority") { f in
            let normal = f.accepted(to: [StoreFixture.shelter])
            let urgent = f.accepted(to: [StoreFixture.shelter], priority: .immediate, at: f.start.addingTimeInterval(1))
            _ = try await f.store.commit(normal)
            _ = try await f.store.commit(urgent)
            let jobs = try await f.claim(at: f.start.addingTimeInterval(2))
            #expect(jobs.map(\.message) == [urgent.metadata.id, normal.metadata.id])
            #expect(jobs.allSatisfy { $0.attempt == 1 && $0.signedBytes.count > 0 })
            #expect(try f.store.deliveries(of: normal.metadata.id).first?.state == .inFlight)
            #expect(try await f.claim(at: f.start.addingTimeInterval(3)).isEmpty)
        },

        StoreCheck("notYetDueIsNotClaimed") { f in
            _ = try await f.store.commit(f.accepted(at: f.start.addingTimeInterval(10)))
            #expect(try await f.claim(at: f.start).isEmpty)
            #expect(try f.store.nextDueTime(channel: .push) == f.start.addingTimeInterval(10))
        },

        /// The earliest due time over every priority (the query looks each priority up in the index).
        StoreCheck("theNextDueTimeIsTheEarliestOfAnyPriority") { f in
            #expect(try f.store.nextDueTime(channel: .push) == nil)
            _ = try await f.store.commit(f.accepted(priority: .immediate, at: f.start.addingTimeInterval(30)))
            _ = try await f.store.commit(f.accepted(priority: .normal, at: f.start.addingTimeInterval(20)))
            _ = try await f.store.commit(f.accepted(priority: .urgent, at: f.start.addingTimeInterval(40)))
            #expect(try f.store.nextDueTime(channel: .push) == f.start.addingTimeInterval(20))
            #expect(try f.store.nextDueTime(channel: .pull) == nil)
        },

        StoreCheck("perRecipientLimitHoldsBackTheRestButNotOtherRecipients") { f in
            for _ in 0..<5 { _ = try await f.store.commit(f.accepted(to: [StoreFixture.shelter])) }
            _ = try await f.store.commit(f.accepted(to: [StoreFixture.secretariat]))
            let jobs = try await f.claim(perRecipient: 2)
            #expect(jobs.filter { $0.recipient == StoreFixture.shelter }.count == 2)
            #expect(jobs.filter { $0.recipient == StoreFixture.secretariat }.count == 1)
            #expect(try await f.claim(perRecipient: 2).isEmpty)
        },

        StoreCheck("retryThenDeadLetterThenRedrive") { f in
            let message = f.accepted(to: [StoreFixture.shelter])
            let id = message.metadata.id
            _ = try await f.store.commit(message)
            _ = try await f.claim()
            let next = f.start.addingTimeInterval(30)
            #expect(try await f.store.record(.retry(error: "HTTP 503", at: f.start, nextAttempt: next), for: id, recipient: StoreFixture.shelter))
            var delivery = try #require(try f.store.deliveries(of: id).first)
            #expect(delivery.state == .retryScheduled && delivery.nextAttemptAt == next && delivery.lastError == "HTTP 503")
            #expect(try await f.claim(at: next.addingTimeInterval(-1)).isEmpty)
            #expect(try await f.claim(at: next).first?.attempt == 2)

            #expect(try await f.store.record(.failed(error: "expired", at: next, failedReceipt: [9]), for: id, recipient: StoreFixture.shelter))
            delivery = try #require(try f.store.deliveries(of: id).first)
            #expect(delivery.state == .deadLetter && delivery.receipt == [9])
            #expect(try f.store.receipts(forSender: StoreFixture.police, after: 0, limit: 10).map(\.kind) == [.failed])
            #expect(try f.store.message(id)?.settledAt == next)

            let until = next.addingTimeInterval(86_400)
            try await f.store.redrive(message: id, recipient: StoreFixture.shelter, now: next, until: until, by: "operator")
            delivery = try #require(try f.store.deliveries(of: id).first)
            #expect(delivery.state == .pending && delivery.attempts == 0 && delivery.deliverUntil == until)
            #expect(try f.store.message(id)?.settledAt == nil)
            #expect(try await f.claim(at: next).count == 1)
        },

        StoreCheck("onlyDeadLettersCanBeRedriven") { f in
            let message = f.accepted(to: [StoreFixture.shelter])
            _ = try await f.store.commit(message)
            await #expect { try await f.store.redrive(message: message.metadata.id, recipient: StoreFixture.shelter, now: f.start, until: f.start, by: "op") } throws: {
                "\($0)".contains("is pending, not a dead letter")
            }
            await #expect(throws: StoreError.self) {
                try await f.store.redrive(message: .random(), recipient: StoreFixture.shelter, now: f.start, until: f.start, by: "op")
            }
        },

        StoreCheck("retryIsIgnoredOnceDelivered") { f in
            let message = f.accepted(to: [StoreFixture.shelter])
            _ = try await f.store.commit(message)
            _ = try await f.claim()
            _ = try await f.store.record(.delivered(receipt: [1], at: f.start), for: message.metadata.id, recipient: StoreFixture.shelter)
            #expect(try await !f.store.record(.retry(error: "late", at: f.start, nextAttempt: f.start), for: message.metadata.id, recipient: StoreFixture.shelter))
            #expect(try await !f.store.record(.failed(error: "late", at: f.start, failedReceipt: []), for: message.metadata.id, recipient: StoreFixture.shelter))
            #expect(try f.store.deliveries(of: message.metadata.id).first?.state == .delivered)
        },

        StoreCheck("expiredLeasesGoBackToTheQueue") { f in
            _ = try await f.store.commit(f.accepted(to: [StoreFixture.shelter]))
            _ = try await f.claim(lease: 60)
            #expect(try await f.store.releaseExpiredLeases(now: f.start.addingTimeInterval(59)) == 0)
            #expect(try await f.store.releaseExpiredLeases(now: f.start.addingTimeInterval(60)) == 1)
            let again = try await f.claim(at: f.start.addingTimeInterval(60))
            #expect(again.first?.attempt == 2)
        },

        StoreCheck("pullRecipientsAreServedByTheirInboxOnly") { f in
            let message = f.accepted(to: [StoreFixture.secretariat, StoreFixture.shelter],
                                     channels: [StoreFixture.secretariat: .pull, StoreFixture.shelter: .push])
            _ = try await f.store.commit(message)
            #expect(try await f.claim().map(\.recipient) == [StoreFixture.shelter])
            let lease = f.start.addingTimeInterval(300)
            let inbox = try await f.store.claimInbox(recipient: StoreFixture.secretariat, now: f.start, limit: 10, maxBytes: .max, leaseUntil: lease)
            #expect(inbox.map(\.message) == [message.metadata.id])
            #expect(try await f.store.claimInbox(recipient: StoreFixture.secretariat, now: f.start, limit: 10, maxBytes: .max, leaseUntil: lease).isEmpty)
            _ = try await f.store.releaseExpiredLeases(now: lease)
            #expect(try await f.store.claimInbox(recipient: StoreFixture.secretariat, now: lease, limit: 10, maxBytes: .max, leaseUntil: lease).count == 1)
        },

        StoreCheck("anInboxFetchStopsAtItsByteBudgetButAlwaysTakesOneMessage") { f in
            var ids: [MessageID] = []
            for n in 0..<4 {
                let message = f.accepted(to: [StoreFixture.secretariat], channels: [StoreFixture.secretariat: .pull], at: f.start.addingTimeInterval(Double(n)))
                _ = try await f.store.commit(message)
                ids.append(message.metadata.id)
            }
            let size = try #require(try f.store.message(ids[0])?.signedBytes?.count)
            let lease = f.start.addingTimeInterval(300)
            func fetch(_ maxBytes: Int) async throws -> [MessageID] {
                try await f.store.claimInbox(recipient: StoreFixture.secretariat, now: lease, limit: 10, maxBytes: maxBytes, leaseUntil: lease).map(\.message)
            }
            #expect(try await fetch(2 * size + size / 2) == Array(ids[0..<2]))
            #expect(try await fetch(1) == [ids[2]])  // smaller than any message: still one
            #expect(try await fetch(.max) == [ids[3]])
        },

        StoreCheck("changingAnAgencysModeMovesItsOpenDeliveries") { f in
            _ = try await f.store.commit(f.accepted(to: [StoreFixture.shelter]))
            try await f.store.setChannel(.pull, for: StoreFixture.shelter, now: f.start)
            #expect(try await f.claim().isEmpty)
            #expect(try await f.store.claimInbox(recipient: StoreFixture.shelter, now: f.start, limit: 10, maxBytes: .max, leaseUntil: f.start).count == 1)
        },

        StoreCheck("aBacklogToOneAgencyDoesNotHideTheOthers") { f in
            for i in 0..<300 { _ = try await f.store.commit(f.accepted(to: [StoreFixture.shelter], at: f.start.addingTimeInterval(Double(i)))) }
            let other = f.accepted(to: [StoreFixture.child], at: f.start.addingTimeInterval(400))
            _ = try await f.store.commit(other)
            let jobs = try await f.claim(at: f.start.addingTimeInterval(500), limit: 8, perRecipient: 4)
            #expect(jobs.filter { $0.recipient == StoreFixture.shelter }.count == 4)
            #expect(jobs.filter { $0.recipient == StoreFixture.child }.map(\.message) == [other.metadata.id])
            // The shelter's oldest first; at its limit, nothing more of its backlog is claimed.
            #expect(jobs.filter { $0.recipient == StoreFixture.shelter }.map(\.acceptedAt) == (0..<4).map { f.start.addingTimeInterval(Double($0)) })
            #expect(try await f.claim(at: f.start.addingTimeInterval(500), limit: 8, perRecipient: 4).isEmpty)
        },

        StoreCheck("aModeChangeAlsoMovesDeliveriesInFlight") { f in
            let pushed = f.accepted(to: [StoreFixture.shelter])
            _ = try await f.store.commit(pushed)
            #expect(try await f.claim().count == 1)  // a push attempt is running
            try await f.store.setChannel(.pull, for: StoreFixture.shelter, now: f.start)
            // The attempt fails: the retry is for the agency's inbox, not for another push.
            let later = f.start.addingTimeInterval(10)
            #expect(try await f.store.record(.retry(error: "HTTP 503", at: later, nextAttempt: later), for: pushed.metadata.id,
                                             recipient: StoreFixture.shelter))
            #expect(try await f.claim(at: later).isEmpty)
            #expect(try await f.store.claimInbox(recipient: StoreFixture.shelter, now: later, limit: 10, maxBytes: .max, leaseUntil: later).count == 1)
            #expect(try f.store.deliveries(of: pushed.metadata.id).first?.channel == .pull)
        },

        StoreCheck("expiredOpenDeliveriesAreListedAndNoLongerHandedOut") { f in
            let short = f.accepted(to: [StoreFixture.secretariat], channels: [StoreFixture.secretariat: .pull])
            var long = f.accepted(to: [StoreFixture.secretariat], channels: [StoreFixture.secretariat: .pull])
            long.metadata.expires = f.start.addingTimeInterval(90 * 86_400)
            _ = try await f.store.commit(short)
            _ = try await f.store.commit(long)
            let after = short.metadata.expires
            #expect(try f.store.expiredDeliveries(now: after.addingTimeInterval(-1), limit: 10).isEmpty)
            let expired = try f.store.expiredDeliveries(now: after, limit: 10)
            #expect(expired == [ExpiredDelivery(message: short.metadata.id, recipient: StoreFixture.secretariat, channel: .pull,
                                                digest: short.digest, attempts: 0, deliverUntil: after)])
            let inbox = try await f.store.claimInbox(recipient: StoreFixture.secretariat, now: after, limit: 10, maxBytes: .max, leaseUntil: after.addingTimeInterval(60))
            #expect(inbox.map(\.message) == [long.metadata.id])
            // In flight is not listed (its lease runs out first); settled is not listed.
            #expect(try await f.store.record(.failed(error: "expired", at: after, failedReceipt: [2]), for: short.metadata.id,
                                             recipient: StoreFixture.secretariat))
            #expect(try f.store.expiredDeliveries(now: long.metadata.expires, limit: 10).isEmpty)
        },
    ]
}
