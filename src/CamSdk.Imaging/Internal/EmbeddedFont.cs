using System;
using System.IO;
using System.Threading;
using SkiaSharp;

namespace CamSdk.Internal;

/// <summary>
/// DejaVu Sans, shipped inside CamSdk (Fonts/, with its licence): SkiaSharp's dependency-free Linux natives have no font
/// manager, so neither ScottPlot's plots nor CamSdk's own captions draw text unless a font file is given, and a system
/// font cannot be counted on.
/// </summary>
internal static class EmbeddedFont
{
    /// <summary>The font's family name.</summary>
    internal const string Name = "DejaVu Sans";

    private const string Resource = "CamSdk.Fonts.DejaVuSans.ttf";

    private static readonly Lazy<SKTypeface> LazyTypeface = new(() =>
    {
        using var stream = Open();
        return SKTypeface.FromStream(stream) ?? throw new InvalidOperationException("CamSdk's embedded font could not be read by SkiaSharp.");
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<string> LazyPath = new(Extract, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The font as a SkiaSharp typeface.</summary>
    internal static SKTypeface Typeface => LazyTypeface.Value;

    /// <summary>The font as a file (written once into the temporary folder), for APIs that take a path.</summary>
    internal static string Path => LazyPath.Value;

    private static Stream Open() =>
        typeof(EmbeddedFont).Assembly.GetManifestResourceStream(Resource)
        ?? throw new InvalidOperationException("CamSdk's embedded font is missing: the assembly was built without Fonts/DejaVuSans.ttf.");

    private static string Extract()
    {
        using var resource = Open();
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "camsdk-fonts");
        Directory.CreateDirectory(folder);
        var path = System.IO.Path.Combine(folder, $"DejaVuSans-{resource.Length}.ttf");
        // Written anew unless a regular file of the right length is there: a link (in a shared temporary folder anyone can
        // plant one) is replaced by the font itself, not read or written through.
        var existing = new FileInfo(path);
        if (!existing.Exists || existing.LinkTarget is not null || existing.Length != resource.Length)
        {
            var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
            using (var output = File.Create(temporary))
            {
                resource.CopyTo(output);
            }

            File.Move(temporary, path, overwrite: true);
        }

        return path;
    }
}
