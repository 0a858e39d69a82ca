import ArgumentParser

/// The `trailwatch` command.
@main
struct Trailwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trailwatch",
        abstract: "A self-hosted Amazon CloudWatch and AWS CloudTrail on the AWS wire protocols.",
        subcommands: [ServeCommand.self],
        defaultSubcommand: ServeCommand.self)
}
