using System;
using System.IO;
using System.Threading;

namespace CamSdk.Evaluation;

/// <summary>
/// DejaVu Sans, shipped inside CamSdk: ScottPlot (with SkiaSharp's dependency-free natives) draws no text until a font
/// file is registered, and a system font cannot be counted on.
/// </summary>
internal static class ReportFont
{
    internal const string Name = "DejaVu Sans";

    private static readonly Lazy<string> File = new(Extract, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Registers the font with ScottPlot once per process and makes it the default.</summary>
    internal static void EnsureRegistered()
    {
        _ = File.Value;
    }

    private static string Extract()
    {
        using var resource = typeof(ReportFont).Assembly.GetManifestResourceStream("CamSdk.Fonts.DejaVuSans.ttf")
            ?? throw new InvalidOperationException("CamSdk's embedded font is missing: the assembly was built without Fonts/DejaVuSans.ttf.");
        var folder = Path.Combine(Path.GetTempPath(), "camsdk-fonts");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"DejaVuSans-{resource.Length}.ttf");
        if (!System.IO.File.Exists(path) || new FileInfo(path).Length != resource.Length)
        {
            var temporary = $"{path}.{Environment.ProcessId}.tmp";
            using (var output = System.IO.File.Create(temporary))
            {
                resource.CopyTo(output);
            }

            System.IO.File.Move(temporary, path, overwrite: true);
        }

        ScottPlot.Fonts.AddFontFile(Name, path);
        ScottPlot.Fonts.Default = Name;
        return path;
    }
}
