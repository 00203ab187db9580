// The console seam: commands write through this so tests can run them in-process and read
// what a user would see.
using System.Text;

namespace CloudWatchApm.Cli;

internal interface IConsole
{
    TextWriter Out { get; }

    TextWriter Error { get; }
}

/// <summary>
/// The process's stdout/stderr as raw streams. System.Console is avoided on purpose: its
/// first use on a terminal switches the terminal into keypad mode and restores it at exit,
/// and `cwapm run` never exits (it execs), which would leave the user's terminal changed.
/// </summary>
internal sealed class SystemConsole : IConsole
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private TextWriter? _out;
    private TextWriter? _error;

    public TextWriter Out => _out ??= new StreamWriter(Console.OpenStandardOutput(), Utf8NoBom) { AutoFlush = true, NewLine = "\n" };

    public TextWriter Error => _error ??= new StreamWriter(Console.OpenStandardError(), Utf8NoBom) { AutoFlush = true, NewLine = "\n" };
}
