using System.Runtime.CompilerServices;
using System.Text;
using CamSdk.Generators.Emitting;
using Microsoft.CodeAnalysis;

namespace CamSdk.Generators.Tests.Support;

/// <summary>
/// Golden files named as Verify.SourceGenerators names them: <c>Snapshots/{Class}.{Method}#{HintName}.verified.cs</c>,
/// first line <c>//HintName: …</c>, UTF-8, LF, the generator's version scrubbed. A mismatch writes <c>.received.cs</c>
/// and fails with a diff; <c>CAMSDK_ACCEPT_SNAPSHOTS=1</c> accepts new output and still fails the run (never when <c>CI=true</c>).
/// Golden files are compared with LF line endings whatever the checkout did to them (<c>.gitattributes</c> keeps them LF).
/// </summary>
internal static class Snapshot
{
    internal static void Verify(GeneratorDriverRunResult result, [CallerFilePath] string testFile = "", [CallerMemberName] string testMethod = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        var testClass = Path.GetFileNameWithoutExtension(testFile);
        var sources = result.Results.Single().GeneratedSources;
        Assert.NotEmpty(sources);
        var failures = new List<string>();
        foreach (var source in sources)
        {
            var name = $"{testClass}.{testMethod}#{Path.GetFileNameWithoutExtension(source.HintName)}";
            var text = $"//HintName: {source.HintName}\n" + source.SourceText.ToString()
                .Replace("\r\n", "\n", StringComparison.Ordinal)
                .Replace($"\"CamSdk.Generators\", \"{ModelEmitter.Version}\"", "\"CamSdk.Generators\", \"{version}\"", StringComparison.Ordinal);
            var verified = Path.Combine(directory, name + ".verified.cs");
            var received = Path.Combine(directory, name + ".received.cs");
            // A checkout that turned LF into CRLF (core.autocrlf on Windows without .gitattributes) still compares equal.
            var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n", StringComparison.Ordinal) : null;
            if (expected == text)
            {
                File.Delete(received);
                continue;
            }

            if (Environment.GetEnvironmentVariable("CAMSDK_ACCEPT_SNAPSHOTS") == "1" && Environment.GetEnvironmentVariable("CI") != "true")
            {
                // Accepted, but the run still fails: a test that rewrote its own expectation has proved nothing yet.
                File.WriteAllText(verified, text, new UTF8Encoding(false));
                File.Delete(received);
                failures.Add($"{name}: accepted as the new verified snapshot; review the diff and run the tests again without CAMSDK_ACCEPT_SNAPSHOTS.");
                continue;
            }

            File.WriteAllText(received, text, new UTF8Encoding(false));
            failures.Add(expected is null
                ? $"{name}: no verified snapshot; review {received} and rename it to .verified.cs (or run with CAMSDK_ACCEPT_SNAPSHOTS=1)."
                : $"{name} differs from its verified snapshot (received: {received}):\n{Diff(expected, text)}");
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>The differing lines, with their numbers: enough to see what changed.</summary>
    private static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lines = new StringBuilder();
        var shown = 0;
        for (int i = 0; i < Math.Max(a.Length, b.Length) && shown < 20; i++)
        {
            var left = i < a.Length ? a[i] : "<end>";
            var right = i < b.Length ? b[i] : "<end>";
            if (left != right)
            {
                lines.Append($"line {i + 1}:\n  - {left}\n  + {right}\n");
                shown++;
            }
        }

        return lines.ToString();
    }
}
