using System.Globalization;
using CamSdk.Models;
using Spectre.Console;

namespace CamSdk.Cli;

/// <summary><c>camsdk list</c>: the zoo's architectures as a table on standard output.</summary>
internal static class ArchitectureList
{
    // What Guided Backpropagation can do with each family's activations (ExplainerOptions.GuideRelu6 for MobileNet v2).
    private static string Guided(string family) => family switch
    {
        nameof(MobileNetV2) => "with GuideRelu6",
        nameof(MobileNetV3) or nameof(EfficientNet) or nameof(ConvNeXt) or nameof(VisionTransformer) or nameof(SwinTransformer) => "no",
        _ => "yes",
    };

    internal static int Print(Terminal terminal)
    {
        var table = new Table().AddColumns("architecture", "family", "default layer", "parameters", "CAM", "Guided");
        foreach (var a in ModelZoo.Architectures)
        {
            table.AddRow(
                Markup.Escape(a.Name),
                a.Family,
                Markup.Escape(a.DefaultLayer),
                (a.Parameters / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " M",
                a.EndsInGlobalAveragePooling ? "yes" : "no",
                Guided(a.Family));
        }

        terminal.Out.Write(table);
        terminal.Out.WriteLine($"{ModelZoo.Architectures.Count} architectures. Every CAM-family method applies to all of them; CAM needs a linear head on the default layer's global average.");
        return 0;
    }
}
