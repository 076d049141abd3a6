using CamSdk.Cli;
using Spectre.Console;

namespace CamSdk.Tests.Support;

/// <summary>Runs the <c>camsdk</c> command line in process, in a temporary folder, capturing what it prints.</summary>
public abstract class CommandLineTests : IDisposable
{
    private readonly TemporaryFolder _folder;

    protected CommandLineTests(string prefix)
    {
        _folder = new TemporaryFolder(prefix);
    }

    /// <summary>Everything the last run printed, standard output and standard error interleaved.</summary>
    protected StringWriter Output { get; } = new();

    /// <summary>What the last run printed on standard output: its results.</summary>
    protected StringWriter Results { get; } = new();

    /// <summary>What the last run printed on standard error: progress, warnings, failures, errors.</summary>
    protected StringWriter Errors { get; } = new();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    protected string PathOf(params string[] parts) => Path.Combine([_folder.Path, .. parts]);

    protected int Run(params string[] args)
    {
        foreach (var writer in new[] { Output, Results, Errors })
        {
            writer.GetStringBuilder().Clear();
        }

        return CommandLine.Run(args, Redirected(new Tee(Results, Output)), Redirected(new Tee(Errors, Output)), CancellationToken.None);
    }

    /// <summary>A console as camsdk makes one for a redirected stream.</summary>
    private static IAnsiConsole Redirected(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = Terminal.RedirectedWidth;
        return console;
    }

    /// <summary>Writes to two writers.</summary>
    private sealed class Tee(TextWriter first, TextWriter second) : TextWriter
    {
        public override System.Text.Encoding Encoding => first.Encoding;

        public override void Write(char value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void Write(string? value)
        {
            first.Write(value);
            second.Write(value);
        }
    }
}
