using CamSdk.Cli;
using Spectre.Console;

namespace CamSdk.Tests.Support;

/// <summary>Runs the <c>camsdk</c> command line in process, in a temporary folder, capturing what it prints.</summary>
public abstract class CommandLineTests : IDisposable
{
    private readonly string _directory;

    protected CommandLineTests(string prefix)
    {
        _directory = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    /// <summary>Everything the command line printed so far.</summary>
    protected StringWriter Output { get; } = new();

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected string PathOf(params string[] parts) => Path.Combine([_directory, .. parts]);

    protected int Run(params string[] args)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Output), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 400;
        return CommandLine.Run(args, console, CancellationToken.None);
    }
}
