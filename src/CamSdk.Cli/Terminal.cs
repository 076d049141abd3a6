using System;
using System.IO;
using Spectre.Console;

namespace CamSdk.Cli;

/// <summary>
/// Where the command line writes: results on standard output; progress, warnings, per-input failures and errors on
/// standard error, so that a pipe or a redirect gets the results alone. Progress is a live bar on a terminal,
/// occasional plain lines when standard error is redirected (Spectre's fallback: 25 %, 50 %, 75 %…), and nothing
/// with <c>--quiet</c>.
/// </summary>
internal sealed class Terminal(IAnsiConsole output, IAnsiConsole errors, bool quiet)
{
    /// <summary>The widest line written when the output is not a terminal: long lines stay whole instead of wrapping at 80 columns.</summary>
    internal const int RedirectedWidth = 4096;

    private static readonly IAnsiConsole Silent = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(TextWriter.Null),
        Interactive = InteractionSupport.No,
        Ansi = AnsiSupport.No,
    });

    /// <summary>Results: tables, summaries, the files written.</summary>
    internal IAnsiConsole Out => output;

    /// <summary>Warnings, failures and errors.</summary>
    internal IAnsiConsole Errors => errors;

    /// <summary>A progress display on standard error (none with --quiet).</summary>
    internal Progress Progress() => (quiet ? Silent : errors).Progress();

    /// <summary>A note on standard error about how the command runs (the device auto chose); none with --quiet.</summary>
    internal void Info(string message)
    {
        if (!quiet)
        {
            errors.MarkupLineInterpolated($"[grey]{message}[/]");
        }
    }

    internal void Warn(string message) => errors.MarkupLineInterpolated($"[yellow]warning:[/] {message}");

    internal void Fail(string message) => errors.MarkupLineInterpolated($"[red]error:[/] {message}");

    /// <summary>A console on a writer (standard output or error); not wrapped at 80 columns when the writer is not a terminal.</summary>
    internal static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }

    /// <summary>The process's terminal: standard output and standard error.</summary>
    internal static (IAnsiConsole Output, IAnsiConsole Errors) Standard() =>
        (Create(Console.Out, Console.IsOutputRedirected), Create(Console.Error, Console.IsErrorRedirected));
}
