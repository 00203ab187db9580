using System.Globalization;
using CloudWatchApm.Agent.Shared;

namespace CloudWatchApm.Cli.Commands;

/// <summary>`cwapm install`: install or upgrade an agent home, verified and swapped in atomically.</summary>
internal sealed class InstallCommand : Command
{
    internal override string Name => "install";

    internal override string Brief => "install or upgrade the agent home (verified, atomic)";

    internal override string Summary => "Install or upgrade the agent home (verified against checksums, swapped in atomically) and print the lines that turn it on.";

    internal override string Usage => "install [--dir DIR] [--from TARBALL]";

    internal override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new OptionSpec("--dir", "DIR", "where to install (default ~/.cwapm, /opt/cwapm as root)"),
        new OptionSpec("--from", "TARBALL", "cwapm-<version>-linux-x64.tar.gz, or an agent home folder (default: the tarball beside this home, else this home)"),
    ];

    internal override string Details => """
        The tarball's sha256 is checked against <tarball>.sha256 when that file exists, and
        every unpacked file against the checksums.sha256 inside. The new home is unpacked
        beside DIR and swapped in only when all is well: a failed install leaves the previous
        home working. Exit code: 0 installed, 1 failed (nothing changed), 2 usage error.

        Examples:
          ./cwapm/cwapm install
          cwapm install --from cwapm-0.2.0-linux-x64.tar.gz
          sudo cwapm install --dir /opt/cwapm --from cwapm-0.2.0-linux-x64.tar.gz
        """;

    internal override int Execute(CliContext context, ParsedArgs args)
    {
        if (args.Positionals.Count > 0)
        {
            return UsageError(context, string.Create(CultureInfo.InvariantCulture, $"unexpected argument '{args.Positionals[0]}' (use --from TARBALL)"));
        }

        var environment = context.Environment;
        var target = Path.GetFullPath(args.Get("--dir") ?? (environment.IsRoot ? "/opt/cwapm" : Path.Combine(environment.UserHome, ".cwapm")));
        target = Path.TrimEndingDirectorySeparator(target);

        string source;
        bool isTarball;
        if (args.Get("--from") is { } from)
        {
            source = Path.GetFullPath(from);
            isTarball = File.Exists(source);
            if (!isTarball && !AgentHome.IsHome(source))
            {
                context.Console.Error.WriteLine("cwapm install: " + from + (Directory.Exists(source) ? " is not an agent home" : " does not exist"));
                return ExitCodes.Problems;
            }
        }
        else
        {
            var own = AgentHome.OwnHome(environment) ?? AgentHome.Locate(environment, null, out _);
            if (own is null)
            {
                context.Console.Error.WriteLine("cwapm install: no --from given and this cwapm is not inside an agent home");
                context.Console.Error.WriteLine("fix: pass --from cwapm-<version>-linux-x64.tar.gz");
                return ExitCodes.Problems;
            }

            var tarball = Path.Combine(Path.GetDirectoryName(own) ?? own, "cwapm-" + (AgentHome.ReadVersion(own) ?? "unknown") + "-linux-x64.tar.gz");
            (source, isTarball) = File.Exists(tarball) ? (tarball, true) : (own, false);
            if (!isTarball && string.Equals(own, target, StringComparison.Ordinal))
            {
                context.Console.Out.WriteLine("cwapm " + (AgentHome.ReadVersion(own) ?? "unknown") + " is already installed in " + target + " (this home); pass --from TARBALL to upgrade");
                WriteActivation(context.Console.Out, target);
                return ExitCodes.Ok;
            }
        }

        try
        {
            var outcome = HomeInstaller.Install(target, source, isTarball, message => context.Console.Out.WriteLine("  " + message));
            context.Console.Out.WriteLine(outcome.PreviousVersion is null
                ? "Installed cwapm " + outcome.Version + " in " + outcome.Directory + "."
                : "Upgraded " + outcome.Directory + " from " + outcome.PreviousVersion + " to " + outcome.Version + ".");
            WriteActivation(context.Console.Out, outcome.Directory);
            return ExitCodes.Ok;
        }
        catch (InstallException ex)
        {
            context.Console.Error.WriteLine("cwapm install: " + ex.Message);
            if (ex.Fix is not null)
            {
                context.Console.Error.WriteLine("fix: " + ex.Fix);
            }

            context.Console.Error.WriteLine("Nothing was changed in " + target + ".");
            return ExitCodes.Problems;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Console.Error.WriteLine("cwapm install: " + ex.Message);
            context.Console.Error.WriteLine("fix: check you may write to " + Path.GetDirectoryName(target) + " (root for /opt)");
            return ExitCodes.Problems;
        }
    }

    /// <summary>The lines that turn the agent on, from the one list of instrumenting variables.</summary>
    internal static void WriteActivation(TextWriter output, string home)
    {
        var variables = InstrumentingVariables.For(home, _ => null);
        variables.Add(new(ConfigurationKeys.ServiceName, "<your-service>"));
        output.WriteLine();
        output.WriteLine("One app at a time:");
        output.WriteLine("  " + home + "/cwapm run --service-name <your-service> -- dotnet <app>.dll");
        output.WriteLine();
        output.WriteLine("Every .NET app started from your shell: add to ~/.profile (or ~/.bashrc):");
        foreach (var (key, value) in variables)
        {
            output.WriteLine("  export " + key + "=" + EnvFormats.ShQuote(value));
        }

        output.WriteLine();
        output.WriteLine("A systemd service: add to its [Service] section (or a drop-in, systemctl edit <unit>):");
        foreach (var (key, value) in variables)
        {
            output.WriteLine("  Environment=\"" + key + "=" + value + "\"");
        }

        output.WriteLine();
        output.WriteLine("Then check the setup: " + home + "/cwapm doctor");
    }
}
