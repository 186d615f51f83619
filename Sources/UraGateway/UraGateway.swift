/// UraGateway: intake, policy, delivery, receipts, ledger, deadlines and monitoring.
public enum UraGateway {
    /// The release this build belongs to.
    public static let version = "0.1.0"
}
