/// How the writer has batched so far, and where its time went (for benchmarks).
public struct CommitStatistics: Sendable {
    public init() {}

    public var batches = 0
    public var jobs = 0
    public var largestBatch = 0
    /// Time spent running jobs inside transactions (BEGIN to just before COMMIT), in seconds.
    public var transactionSeconds = 0.0
    /// Time spent in COMMIT (writing the log and its fsync), in seconds.
    public var commitSeconds = 0.0
    /// Checkpoints the writer ran itself to keep the log short, how many of them let the log start
    /// over, and the time they took.
    public var logCheckpoints = 0
    public var logRestarts = 0
    public var logCheckpointSeconds = 0.0
    /// The longest single transaction, COMMIT and log checkpoint since the start or the last
    /// `resetPeaks()`, in seconds: where a latency tail comes from.
    public var longestTransactionSeconds = 0.0
    public var longestCommitSeconds = 0.0
    public var longestLogCheckpointSeconds = 0.0
    /// COMMITs that took `slowCommitSeconds` or longer since the last `resetPeaks()` (each holds
    /// every submission of its batch and of the batches waiting behind it).
    public var slowCommits = 0
    public static let slowCommitSeconds = 0.020
    /// Batches the writer let gather for `commitDelay` before committing.
    public var gatheredBatches = 0

    /// Counts a committed batch of `jobs` jobs that held its transaction `transactionSeconds`
    /// before its COMMIT took `commitSeconds`.
    package mutating func record(batchOf jobs: Int, transactionSeconds: Double, commitSeconds: Double) {
        batches += 1
        self.jobs += jobs
        largestBatch = max(largestBatch, jobs)
        self.transactionSeconds += transactionSeconds
        self.commitSeconds += commitSeconds
        longestTransactionSeconds = max(longestTransactionSeconds, transactionSeconds)
        longestCommitSeconds = max(longestCommitSeconds, commitSeconds)
        if commitSeconds >= Self.slowCommitSeconds { slowCommits += 1 }
    }
}
