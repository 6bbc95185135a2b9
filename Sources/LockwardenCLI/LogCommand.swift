import ArgumentParser
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden log`: the typed activity log, oldest first.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show the activity log.",
        discussion: """
            Shows the newest matching events (at most --limit), oldest first. For a user the \
            system knows, events under any name of that UID are included. A clinic owner \
            running it through sudo sees only the events of members of the clinics they own. \
            Actions: \
            \(Action.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")).
            """)

    static let maxLimit = 100_000_000

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Only events of this user.", valueName: "user"))
    var user: String?

    @Option(help: ArgumentHelp("Only events with this action (any letter case).", valueName: "action"))
    var action: String?

    @Option(help: ArgumentHelp("Only events at or after this time: \(TimeText.sinceHelp).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("At most this many events, the newest ones.", valueName: "n"))
    var limit: Int = 1_000

    @Flag(help: "Print one JSON array.")
    var json = false

    @Flag(help: "The fleet's shared history, with the host of each input (administrators only).")
    var fleet = false

    func validate() throws {
        try RootCheck.require()
        if let user { try Target.validate(user) }
        if let action, Action(displayName: action) == nil {
            throw ValidationError(
                "unknown action \"\(Display.text(action, limit: 64))\"; valid actions: "
                    + Action.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        }
        if let since, TimeText.parseSince(since, now: 0) == nil {
            throw ValidationError(
                "--since \"\(Display.text(since, limit: 64))\" is not a time; use \(TimeText.sinceHelp)")
        }
        guard (1...Self.maxLimit).contains(limit) else {
            throw ValidationError("--limit must be from 1 to \(Self.maxLimit)")
        }
    }

    func run() throws {
        let (config, store) = try global.openState()
        let now = CurrentProcess.now()
        let authority = Authority.current(config)
        if fleet {
            guard authority.role == .administrator else {
                throw authority.refuse("log --fleet", target: nil, because: .administratorsOnly, config: config)
            }
            return try FleetViews.log(user, limit: limit, config: config, json: json)
        }
        // An owner's events are picked after reading: read the whole (bounded) log, keep
        // their members' events, then the newest `limit` of those.
        let scoped = authority.role != .administrator
        var filter = EventFilter(limit: scoped ? Self.maxLimit : limit)
        if let user {
            let target = Target.resolve(user)
            filter.user = target.eventName
            filter.uid = target.systemUser?.uid
        }
        if let action { filter.action = Action(displayName: action)?.rawValue }
        if let since { filter.since = TimeText.parseSince(since, now: now) }
        var events: [EventRecord]
        do {
            events = try store.events(filter)
        } catch {
            throw Failure.exit(error.message)
        }
        if scoped {
            var rows = Authority.RowFilter(authority)
            events = Array(events.filter { rows.shows(uid: $0.uid) }.suffix(limit))
        }
        if json {
            print(JSON.array(events.map(Self.json)).rendered)
            return
        }
        guard !events.isEmpty else {
            print("No matching events.")
            return
        }
        var table = Table(["DATE TIME", "USER", "ACTION", "SOURCE", "ACTOR", "DETAIL"])
        for event in events {
            table.add([
                TimeText.format(event.time), Display.storedOrDash(event.user), Display.storedOrDash(event.action),
                Self.source(event), Display.storedOrDash(event.actor), Display.storedOrDash(event.detail),
            ])
        }
        print(table.rendered)
    }

    /// "sshd from 203.0.113.9 on pts/3", without the parts that are empty.
    static func source(_ event: EventRecord) -> String {
        var parts: [String] = []
        if !event.service.isEmpty { parts.append(Display.stored(event.service)) }
        if !event.rhost.isEmpty { parts.append("from " + Display.stored(event.rhost)) }
        if !event.tty.isEmpty { parts.append("on " + Display.stored(event.tty)) }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }

    static func json(_ event: EventRecord) -> JSON {
        .object([
            ("id", .int(event.id)),
            ("time", .int(event.time)),
            ("user", .string(Display.stored(event.user))),
            ("uid", .optional(event.uid)),
            ("action", .string(Display.stored(event.action))),
            ("service", .string(Display.stored(event.service))),
            ("rhost", .string(Display.stored(event.rhost))),
            ("tty", .string(Display.stored(event.tty))),
            ("actor", .string(Display.stored(event.actor))),
            ("detail", .string(Display.stored(event.detail))),
        ])
    }
}
