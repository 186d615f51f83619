import Foundation
import UraJSON
import UraModel
import UraProtocol

/// The durable store behind the gateway: messages and their exact signed bytes, one delivery per
/// recipient, the receipts feed, the hash-linked ledger and its checkpoints, and confidentiality
/// declarations.
///
/// Every mutation is durable (fsync) when its `async` call returns, and appends its ledger events in
/// the same transaction, so the ledger never disagrees with the data. Implementations batch
/// concurrent mutations into one transaction (group commit). Nothing here is SQLite-specific:
/// `SQLiteStore` is the embedded default; a PostgreSQL store implements the same protocol.
public protocol Store: AnyObject, Sendable {
    // MARK: Intake
    /// Commits an accepted message with a pending delivery per recipient, atomically. The same id
    /// with the same digest returns the stored receipt; with another digest it is a conflict.
    func commit(_ message: AcceptedMessage) async throws(StoreError) -> CommitOutcome
    func message(_ id: MessageID) throws(StoreError) -> StoredMessage?
    /// How many messages are stored (their rows; a purged body does not remove one): each has a
    /// `message.accepted` ledger entry, so more rows than those entries means rows were added
    /// behind the gateway.
    func messageCount() throws(StoreError) -> Int
    func deliveries(of id: MessageID) throws(StoreError) -> [DeliveryRecord]

    // MARK: Delivery
    /// Leases up to `limit` due deliveries on `channel` (ordered by priority, then due time), at
    /// most `perRecipientLimit` in flight per recipient, and marks them in flight.
    func claimDue(_ request: ClaimRequest) async throws(StoreError) -> [DeliveryJob]
    /// Leases the due deliveries of one pull-mode recipient (its inbox), never one whose window to
    /// deliver has closed: up to `limit` messages and, after the first, no more than `maxBytes` of
    /// signed messages in all.
    func claimInbox(recipient: AgencyID, now: Date, limit: Int, maxBytes: Int, leaseUntil: Date) async throws(StoreError) -> [DeliveryJob]
    /// Records what happened to one delivery; returns false when it was already settled.
    @discardableResult
    func record(_ outcome: DeliveryOutcome, for message: MessageID, recipient: AgencyID) async throws(StoreError) -> Bool
    /// Puts in-flight deliveries whose lease ran out back in the retry queue (a worker died, or a
    /// pulling agency never acknowledged).
    func releaseExpiredLeases(now: Date) async throws(StoreError) -> Int
    /// Open deliveries on either channel (not in flight) whose window to deliver closed at or
    /// before `now`, earliest first: the caller ends each with a failed receipt for the sender.
    func expiredDeliveries(now: Date, limit: Int) throws(StoreError) -> [ExpiredDelivery]
    /// Moves a dead letter back to pending, with a fresh window to deliver in.
    func redrive(message: MessageID, recipient: AgencyID, now: Date, until: Date, by operator: String) async throws(StoreError)
    /// The earliest time a pending or retrying delivery on `channel` becomes due.
    func nextDueTime(channel: DeliveryChannel) throws(StoreError) -> Date?
    /// Moves the open deliveries of `recipient`, in flight included, to another channel (the
    /// directory changed its mode): a running attempt that fails, or a lease that lapses, then
    /// continues on the new channel.
    func setChannel(_ channel: DeliveryChannel, for recipient: AgencyID, now: Date) async throws(StoreError)

    // MARK: Receipts feed
    /// Delivered and failed receipts for `sender`'s messages after `cursor`, oldest first.
    func receipts(forSender sender: AgencyID, after cursor: Int64, limit: Int) throws(StoreError) -> [FeedReceipt]

    // MARK: Federation
    /// Records a peer gateway's signed accepted receipt (`receipt`, by `peer`, made at `at`) for a
    /// message this gateway relays to it for `recipient`, a foreign agency: an `accepted` entry of
    /// the sender's receipts feed and a `delivery.relay_accepted` ledger event, once per message
    /// and recipient. Returns false when it was already recorded.
    @discardableResult
    func recordRelayAccepted(_ receipt: [UInt8], by peer: AgencyID, at: Date, for message: MessageID, recipient: AgencyID) async throws(StoreError) -> Bool
    /// Queued forwards due at or before `now`, earliest first: the delivered receipts of messages a
    /// peer relayed here (`AcceptedMessage.relayedBy`), each queued once, in the transaction that
    /// records it (`record(.delivered…)`), to be posted back to that peer until it takes it.
    func dueForwards(now: Date, limit: Int) throws(StoreError) -> [ReceiptForward]
    /// The earliest time a queued forward is due.
    func nextForwardTime() throws(StoreError) -> Date?
    /// What the attempt to forward the receipt of `message` for `recipient` came to: taken (or
    /// refused for good) at `at` when `next` is nil, else tried again at `next`.
    func recordForwardAttempt(message: MessageID, recipient: AgencyID, at: Date, error: String?, next: Date?) async throws(StoreError)

    // MARK: Ledger
    func ledgerSize() throws(StoreError) -> Int
    func ledgerEntries(from index: Int, count: Int) throws(StoreError) -> [LedgerEntry]
    func ledgerIndexes(forMessage id: MessageID) throws(StoreError) -> [Int]
    /// The Merkle root of the perfect subtree of the `1 << height` entries from `start` (a multiple
    /// of that count, within the ledger), from what the store keeps, so that a proof costs O(log n)
    /// reads (`MerkleTree.inclusionProof(index:size:perfect:)`); height 0 is the entry's hash.
    /// Anything else is `StoreError.notFound`.
    func ledgerNode(start: Int, height: Int) throws(StoreError) -> [UInt8]
    /// The tree head signed in the last batch's transaction; it covers the whole ledger.
    func signedHead() throws(StoreError) -> Checkpoint?
    /// Keeps the current signed head as a permanent checkpoint (periodic) and returns it.
    @discardableResult
    func saveCheckpoint(now: Date) async throws(StoreError) -> Checkpoint?
    /// The permanent checkpoints, oldest first.
    func checkpoints() throws(StoreError) -> [Checkpoint]

    // MARK: Declarations (form A1)
    func recordDeclaration(_ declaration: DeclarationRecord) async throws(StoreError)
    func declarations(forCase caseReference: CaseReference) throws(StoreError) -> [DeclarationRecord]

    // MARK: Deadlines (armed and met by `commit`)
    /// Every deadline of the case by due time, each with the later messages that triggered it again (`repeatedBy`).
    func deadlines(forCase caseReference: CaseReference) throws(StoreError) -> [Deadline]
    /// Open obligations (not windows) due at or before `now`, earliest first.
    func dueDeadlines(now: Date, limit: Int) throws(StoreError) -> [Deadline]
    /// Open and overdue deadlines across all cases, overdue first, then by due time.
    func pendingDeadlines(limit: Int) throws(StoreError) -> [Deadline]

    // MARK: Monitoring
    /// How many deliveries each recipient has in each state.
    func deliveryCounts() throws(StoreError) -> [DeliveryCount]
    /// Reachability of every agency the gateway has delivered to or heard from.
    func agencyHealth() throws(StoreError) -> [AgencyHealth]
    /// Notes that a pull-mode agency polled its inbox (it is reachable).
    func recordPoll(by agency: AgencyID, at: Date) async throws(StoreError)
    /// Marks that the secretariat was alerted about `agency` being unreachable (nil clears it).
    func markAlerted(_ agency: AgencyID, at: Date?) async throws(StoreError)
    /// Seconds from acceptance to the delivered receipt, for deliveries settled since `since`.
    func deliveryLatencies(since: Date, limit: Int) throws(StoreError) -> [Double]
    /// Per period, the deliveries settled in it (by their settling time): how many were delivered
    /// and given up, and the accept-to-delivered p50 and p99 — counted by the database, for the trends.
    func settlementCounts(periods: [CountingPeriod]) throws(StoreError) -> [SettlementCount]
    /// Messages matching `filter`, newest first, with their deliveries.
    func messages(matching filter: MessageFilter) throws(StoreError) -> [MessageSummary]
    /// Dead letters, most recent first.
    func deadLetters(limit: Int) throws(StoreError) -> [DeliveryRecord]
    /// Messages accepted in `periods` (each in the period holding its acceptance) and the distinct
    /// cases among them, per combination of `dimensions` — counted by the database (a year of
    /// messages never crosses into Swift), for de-identified statistics and the trends. No
    /// dimension: one count of everything in the periods.
    func statisticsCounts(periods: [CountingPeriod], by dimensions: [StatisticsDimension]) throws(StoreError) -> [StatisticsCount]

    // MARK: Retention
    /// Deletes the signed bytes (and so the encrypted body) of messages settled before `cutoff`;
    /// metadata, receipts and the ledger stay. Returns how many were purged.
    func purgeBodies(settledBefore cutoff: Date, now: Date) async throws(StoreError) -> Int

    /// Why every write fails, or nil: the ledger's stored head did not check out when the store
    /// opened (the database was changed outside urad). Reads, and so verification, still work.
    var writeRefusal: StoreError? { get }

    /// Finishes queued commits and closes; later calls fail with `.unavailable`.
    func close()
}

/// How a recipient gets its messages.
public enum DeliveryChannel: String, Sendable, Codable {
    /// The gateway POSTs to the agency's endpoint.
    case push
    /// The agency fetches from its inbox.
    case pull
}

/// A message the intake has verified, ready to be committed.
public struct AcceptedMessage: Sendable {
    public var metadata: MessageMetadata
    /// The exact bytes the sender submitted (its JWS).
    public var signedBytes: [UInt8]
    /// base64url SHA-256 of the JWS signing input.
    public var digest: String
    public var acceptedAt: Date
    /// The gateway-signed accepted receipt (a JWS) handed back to the sender; empty when the
    /// sender's receipts are signed per batch (its receipt is then made from the ledger).
    public var acceptedReceipt: [UInt8]
    /// One entry per recipient, with how it receives.
    public var channels: [AgencyID: DeliveryChannel]
    /// The sender's kind: a follow-up only meets deadlines expecting it from that kind.
    public var senderKind: AgencyKind
    /// Deadlines this message arms, and those a gateway notice reports overdue.
    public var deadlines: DeadlineEffects
    /// Until when its deliveries are tried; nil: until the message expires. A message a peer
    /// gateway relays again after redriving it has the peer's new window (federation).
    public var deliverUntil: Date?
    /// The peer gateway that relayed it (federation): each recipient's delivered receipt is then
    /// queued for that peer in the transaction that records it (`dueForwards`).
    public var relayedBy: AgencyID?

    public init(metadata: MessageMetadata, signedBytes: [UInt8], digest: String, acceptedAt: Date,
                acceptedReceipt: [UInt8], channels: [AgencyID: DeliveryChannel], senderKind: AgencyKind,
                deadlines: DeadlineEffects = DeadlineEffects(), deliverUntil: Date? = nil, relayedBy: AgencyID? = nil) {
        self.deliverUntil = deliverUntil
        self.relayedBy = relayedBy
        self.metadata = metadata
        self.signedBytes = signedBytes
        self.digest = digest
        self.acceptedAt = acceptedAt
        self.acceptedReceipt = acceptedReceipt
        self.channels = channels
        self.senderKind = senderKind
        self.deadlines = deadlines
    }
}

/// What committing a message does to deadlines, besides meeting the ones it fulfils (which the
/// store finds itself: open deadlines of the same case expecting this type from this sender's kind,
/// only those of the `in_reply_to` message when there is one, and the earliest of a monthly series).
public struct DeadlineEffects: Sendable, Equatable {
    /// Deadlines this message starts. One with an `obligation` for which the case already has a
    /// pending (open or overdue) deadline is not armed: the message is linked to the pending one
    /// (for a monthly series, the whole series is), so an obligation is owed and reported once.
    public var arm: [Deadline]
    /// Deadlines this (gateway) notice reports as overdue; the commit fails if one is no longer
    /// open, so each is reported once.
    public var reportOverdue: [String]
    /// Types whose open deadlines in the message's case it cancels (catalogue `closes`); overdue
    /// ones stay overdue, as they were.
    public var cancel: [MessageType]

    public init(arm: [Deadline] = [], reportOverdue: [String] = [], cancel: [MessageType] = []) {
        self.arm = arm
        self.reportOverdue = reportOverdue
        self.cancel = cancel
    }
}

public enum CommitOutcome: Sendable, Equatable {
    /// Newly committed; the ledger entry's index, and the batch it was committed in (sealed with
    /// the batch's signed head), from which a receipt signed per batch proves the entry.
    case committed(ledgerIndex: Int, batch: LedgerBatch? = nil)
    /// Already committed with the same digest: the original accepted receipt.
    case duplicate(acceptedReceipt: [UInt8])
    /// Already committed with a different digest.
    case conflict(existingDigest: String)

    /// Outcomes are the same when they say the same; the batch an entry was committed in is how
    /// it can be proven, not part of what happened.
    public static func == (a: CommitOutcome, b: CommitOutcome) -> Bool {
        switch (a, b) {
        case (.committed(let i, _), .committed(let j, _)): i == j
        case (.duplicate(let r), .duplicate(let s)): r == s
        case (.conflict(let d), .conflict(let e)): d == e
        default: false
        }
    }
}

/// A stored message: its metadata, its signed bytes (until purged) and its accepted receipt.
public struct StoredMessage: Sendable, Equatable {
    public var metadata: MessageMetadata
    public var digest: String
    public var acceptedAt: Date
    public var settledAt: Date?
    public var purgedAt: Date?
    public var signedBytes: [UInt8]?
    public var acceptedReceipt: [UInt8]
    public var ledgerIndex: Int

    public init(metadata: MessageMetadata, digest: String, acceptedAt: Date, settledAt: Date?, purgedAt: Date?, signedBytes: [UInt8]?, acceptedReceipt: [UInt8], ledgerIndex: Int) {
        self.metadata = metadata
        self.digest = digest
        self.acceptedAt = acceptedAt
        self.settledAt = settledAt
        self.purgedAt = purgedAt
        self.signedBytes = signedBytes
        self.acceptedReceipt = acceptedReceipt
        self.ledgerIndex = ledgerIndex
    }
}

/// One recipient's delivery of a message.
public struct DeliveryRecord: Sendable, Equatable {
    public var message: MessageID
    public var recipient: AgencyID
    public var channel: DeliveryChannel
    public var state: DeliveryState
    public var attempts: Int
    public var nextAttemptAt: Date
    public var leaseUntil: Date?
    public var lastAttemptAt: Date?
    public var lastError: String?
    public var settledAt: Date?
    /// The recipient's delivered receipt, or the gateway's failed receipt.
    public var receipt: [UInt8]?
    /// Until when the gateway keeps trying (the message's expiry, or a redrive's window).
    public var deliverUntil: Date

    public init(message: MessageID, recipient: AgencyID, channel: DeliveryChannel, state: DeliveryState, attempts: Int, nextAttemptAt: Date, leaseUntil: Date?, lastAttemptAt: Date?, lastError: String?, settledAt: Date?, receipt: [UInt8]?, deliverUntil: Date) {
        self.message = message
        self.recipient = recipient
        self.channel = channel
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.leaseUntil = leaseUntil
        self.lastAttemptAt = lastAttemptAt
        self.lastError = lastError
        self.settledAt = settledAt
        self.receipt = receipt
        self.deliverUntil = deliverUntil
    }
}

public struct ClaimRequest: Sendable {
    public var channel: DeliveryChannel
    public var now: Date
    public var limit: Int
    public var perRecipientLimit: Int
    public var leaseUntil: Date
    public init(channel: DeliveryChannel = .push, now: Date, limit: Int, perRecipientLimit: Int, leaseUntil: Date) {
        self.channel = channel
        self.now = now
        self.limit = limit
        self.perRecipientLimit = perRecipientLimit
        self.leaseUntil = leaseUntil
    }
}

/// A leased delivery: what a worker (or an inbox poll) needs to hand the message over.
public struct DeliveryJob: Sendable, Equatable {
    public var message: MessageID
    public var recipient: AgencyID
    public var sender: AgencyID
    public var type: MessageType
    public var priority: Priority
    public var digest: String
    public var signedBytes: [UInt8]
    /// The attempt this lease is (1 for the first).
    public var attempt: Int
    public var deliverUntil: Date
    public var acceptedAt: Date

    public init(message: MessageID, recipient: AgencyID, sender: AgencyID, type: MessageType, priority: Priority, digest: String, signedBytes: [UInt8], attempt: Int, deliverUntil: Date, acceptedAt: Date) {
        self.message = message
        self.recipient = recipient
        self.sender = sender
        self.type = type
        self.priority = priority
        self.digest = digest
        self.signedBytes = signedBytes
        self.attempt = attempt
        self.deliverUntil = deliverUntil
        self.acceptedAt = acceptedAt
    }
}

/// An open delivery whose window to deliver has closed.
public struct ExpiredDelivery: Sendable, Equatable {
    public var message: MessageID
    public var recipient: AgencyID
    public var channel: DeliveryChannel
    public var digest: String
    public var attempts: Int
    public var deliverUntil: Date

    public init(message: MessageID, recipient: AgencyID, channel: DeliveryChannel, digest: String, attempts: Int, deliverUntil: Date) {
        self.message = message
        self.recipient = recipient
        self.channel = channel
        self.digest = digest
        self.attempts = attempts
        self.deliverUntil = deliverUntil
    }
}

/// What happened to a delivery.
public enum DeliveryOutcome: Sendable {
    /// The recipient's signed receipt, already verified by the gateway.
    case delivered(receipt: [UInt8], at: Date)
    /// The attempt failed; try again at `nextAttempt`.
    case retry(error: String, at: Date, nextAttempt: Date)
    /// The gateway gives up; `failedReceipt` is its signed failed receipt for the sender.
    case failed(error: String, at: Date, failedReceipt: [UInt8])
}

/// One entry of a sender's receipts feed.
public struct FeedReceipt: Sendable, Equatable {
    public var cursor: Int64
    public var message: MessageID
    public var recipient: AgencyID
    public var kind: Receipt.Kind
    public var at: Date
    /// The receipt's JWS: signed by the recipient (delivered) or the gateway (failed).
    public var signed: [UInt8]

    public init(cursor: Int64, message: MessageID, recipient: AgencyID, kind: Receipt.Kind, at: Date, signed: [UInt8]) {
        self.cursor = cursor
        self.message = message
        self.recipient = recipient
        self.kind = kind
        self.at = at
        self.signed = signed
    }
}

/// One ledger entry as stored: its leaf bytes (canonical JSON, hash-linked to the previous entry)
/// and its RFC 9162 leaf hash, `SHA-256(0x00 || leaf)`.
public struct LedgerEntry: Sendable, Equatable {
    public var index: Int
    public var leaf: [UInt8]
    public var hash: [UInt8]
    public init(index: Int, leaf: [UInt8], hash: [UInt8]) {
        self.index = index
        self.leaf = leaf
        self.hash = hash
    }
}

/// A signed tree head: the Merkle root over the first `treeSize` ledger entries.
public struct Checkpoint: Sendable, Equatable {
    public var treeSize: Int
    public var root: [UInt8]
    /// When it was kept as a permanent checkpoint (for the live head: when it was read).
    public var at: Date
    /// The gateway's signature over the tree size and root (a JWS).
    public var signed: [UInt8]
    public init(treeSize: Int, root: [UInt8], at: Date, signed: [UInt8]) {
        self.treeSize = treeSize
        self.root = root
        self.at = at
        self.signed = signed
    }
}

/// A confidentiality declaration (form A1) on file: metadata plus the declarant's name encrypted
/// to the secretariat.
public struct DeclarationRecord: Sendable, Equatable {
    public var id: String
    public var caseReference: CaseReference
    public var role: DeclarantRole
    public var agency: AgencyID
    /// The day it was signed (`YYYY-MM-DD`).
    public var declaredOn: String
    /// base64url SHA-256 of the signed form.
    public var formDigest: String
    /// A JWE only the secretariat can open.
    public var encryptedName: [UInt8]
    public var recordedAt: Date
    /// The declaring agency's signed declaration (a JWS), as submitted.
    public var signed: [UInt8]
    public init(id: String, caseReference: CaseReference, role: DeclarantRole, agency: AgencyID, declaredOn: String,
                formDigest: String, encryptedName: [UInt8], recordedAt: Date, signed: [UInt8] = []) {
        self.id = id
        self.caseReference = caseReference
        self.role = role
        self.agency = agency
        self.declaredOn = declaredOn
        self.formDigest = formDigest
        self.encryptedName = encryptedName
        self.recordedAt = recordedAt
        self.signed = signed
    }
}


/// Deliveries of one recipient in one state.
public struct DeliveryCount: Sendable, Equatable {
    public var recipient: AgencyID
    public var state: DeliveryState
    public var count: Int

    public init(recipient: AgencyID, state: DeliveryState, count: Int) {
        self.recipient = recipient
        self.state = state
        self.count = count
    }
}

/// What the gateway knows about reaching an agency.
public struct AgencyHealth: Sendable, Equatable {
    public var agency: AgencyID
    public var lastSuccessAt: Date?
    public var lastFailureAt: Date?
    /// When the current run of failures began (nil when the last attempt succeeded).
    public var failingSince: Date?
    public var consecutiveFailures: Int
    public var lastError: String?
    /// The last time a pull-mode agency polled its inbox.
    public var lastSeenAt: Date?
    /// When the secretariat was last alerted that it is unreachable.
    public var alertedAt: Date?

    public init(agency: AgencyID, lastSuccessAt: Date?, lastFailureAt: Date?, failingSince: Date?, consecutiveFailures: Int, lastError: String?, lastSeenAt: Date?, alertedAt: Date?) {
        self.agency = agency
        self.lastSuccessAt = lastSuccessAt
        self.lastFailureAt = lastFailureAt
        self.failingSince = failingSince
        self.consecutiveFailures = consecutiveFailures
        self.lastError = lastError
        self.lastSeenAt = lastSeenAt
        self.alertedAt = alertedAt
    }
}

/// Which messages a monitor view asks for; nil fields do not filter.
public struct MessageFilter: Sendable, Equatable {
    public var caseReference: CaseReference?
    public var type: MessageType?
    /// Sender or recipient.
    public var agency: AgencyID?
    /// Messages with at least one delivery in this state.
    public var state: DeliveryState?
    public var limit: Int
    public var offset: Int
    public init(caseReference: CaseReference? = nil, type: MessageType? = nil, agency: AgencyID? = nil, state: DeliveryState? = nil,
                limit: Int = 50, offset: Int = 0) {
        self.caseReference = caseReference
        self.type = type
        self.agency = agency
        self.state = state
        self.limit = limit
        self.offset = offset
    }
}

/// A message's metadata and where each of its deliveries stands.
public struct MessageSummary: Sendable, Equatable {
    public var metadata: MessageMetadata
    public var digest: String
    public var acceptedAt: Date
    public var settledAt: Date?
    public var purgedAt: Date?
    public var deliveries: [DeliveryRecord]

    public init(metadata: MessageMetadata, digest: String, acceptedAt: Date, settledAt: Date?, purgedAt: Date?, deliveries: [DeliveryRecord]) {
        self.metadata = metadata
        self.digest = digest
        self.acceptedAt = acceptedAt
        self.settledAt = settledAt
        self.purgedAt = purgedAt
        self.deliveries = deliveries
    }
}

/// A recipient's delivered receipt on its way back to the peer gateway that relayed the message.
public struct ReceiptForward: Sendable, Equatable {
    public var message: MessageID
    public var recipient: AgencyID
    /// The peer gateway the message came from, which gets the receipt.
    public var peer: AgencyID
    /// The recipient's delivered receipt (a JWS), as recorded.
    public var receipt: [UInt8]
    public var queuedAt: Date
    /// Attempts made so far.
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    /// When the peer took it (or refused it for good); nil while queued.
    public var doneAt: Date?

    public init(message: MessageID, recipient: AgencyID, peer: AgencyID, receipt: [UInt8], queuedAt: Date, attempts: Int = 0,
                nextAttemptAt: Date? = nil, lastError: String? = nil, doneAt: Date? = nil) {
        self.message = message
        self.recipient = recipient
        self.peer = peer
        self.receipt = receipt
        self.queuedAt = queuedAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? queuedAt
        self.lastError = lastError
        self.doneAt = doneAt
    }
}
