// ura-admin: the operator's work on the gateway's store — backup (while urad runs), restore, and
// the move from SQLite to PostgreSQL.
//
//   ura-admin [--config FILE] [--data-dir DIR] backup FILE | restore FILE | migrate-store postgres:URL
import UraDaemon

StoreAdminCommand.run(Array(CommandLine.arguments.dropFirst()))
