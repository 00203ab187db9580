// The CLI compiles the agent's Configuration sources in (so `cwapm doctor` validates exactly
// as the agent does), so both assemblies hold internal types such as AgentSettings. The CLI is
// referenced under the alias "cli" to keep those apart; its own namespaces are imported here
// for every test file.
extern alias cli;

global using cli::CloudWatchApm.Cli;
global using cli::CloudWatchApm.Cli.Commands;
global using cli::CloudWatchApm.Cli.Doctor;
