import UraJSON
import UraModel

/// Where messages stand at the gateway: one message's deliveries (its sender and the secretariat
/// may ask) and the secretariat's overview. The gateway's JSON, as `Schemas/openapi.json` describes it.
public enum StatusClient {
    public static func message(_ id: MessageID, _ connection: GatewayConnection) async throws(ClientError) -> JSONValue {
        try json(await connection.request("GET", "/v1/messages/\(id)"))
    }

    public static func overview(_ connection: GatewayConnection) async throws(ClientError) -> JSONValue {
        try json(await connection.request("GET", "/v1/monitor/overview"))
    }

    private static func json(_ reply: GatewayConnection.Reply) throws(ClientError) -> JSONValue {
        guard let json = reply.json else { throw ClientError("the gateway answered something that is not JSON", .protocolError) }
        return json
    }
}
