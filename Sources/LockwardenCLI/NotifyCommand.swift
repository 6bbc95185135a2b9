import ArgumentParser
import LockwardenStore
import LockwardenSystem

/// `lockwarden notify`: delivers queued mail. Run by the systemd timer, and started by the
/// PAM module (with --background) right after it queues a lock notification.
struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Deliver queued mail (lock notifications, unlock PINs).",
        discussion: """
            Sends every due message through mail_command; failed deliveries are retried later \
            (1, 2, 4 ... minutes, at most 6 hours apart). Exit status 0 when nothing failed, 1 otherwise.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Return at once and deliver in a detached process (used by the PAM module).")
    var background = false

    @Flag(help: "Print nothing unless something failed.")
    var quiet = false

    func validate() throws { try RootCheck.require() }

    func run() throws {
        if background {
            let argv = ["/proc/self/exe", "--conf", global.configPath, "notify", "--quiet"]
            if let problem = Subprocess.startDetached(argv) { throw Failure.exit(problem.message) }
            return
        }
        let (config, store) = try global.openState()
        let result = MailDelivery.deliverDue(config: config, store: store, now: CurrentProcess.now())
        for problem in result.failed { Failure.report("delivery failed: \(problem)") }
        if !quiet || !result.failed.isEmpty {
            let waiting = (try? store.unsentMailCount()) ?? 0
            print("Sent \(result.sent), failed \(result.failed.count), still queued \(waiting).")
        }
        if !result.failed.isEmpty { throw ExitCode(1) }
    }
}
