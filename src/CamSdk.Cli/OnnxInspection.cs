using System.Linq;
using CamSdk.Onnx;
using Spectre.Console;

namespace CamSdk.Cli;

/// <summary><c>camsdk inspect model.onnx</c>: the nodes --layer can explain, as a table on standard output.</summary>
internal static class OnnxInspection
{
    internal static int Print(Terminal terminal, string path)
    {
        using var model = OnnxModel.Load(path);
        var table = new Table().AddColumns("node", "operator", "output", "output shape", "");
        foreach (var layer in model.Layers)
        {
            table.AddRow(
                Markup.Escape(layer.Name),
                Markup.Escape(layer.Operator),
                Markup.Escape(layer.Outputs.FirstOrDefault() ?? string.Empty),
                string.Join("×", layer.Shape),
                ReferenceEquals(layer, model.DefaultLayerInfo) ? "default" : string.Empty);
        }

        terminal.Out.Write(table);
        var chosen = model.DefaultLayerInfo is { } d
            ? $"the default layer is '{d.Name}' (the last N×C×h×w output with h, w > 1 before global pooling)"
            : "no node fits the default-layer rule: give --layer";
        terminal.Out.WriteLine($"{model.Layers.Count} nodes, opset {model.Opset}, input '{model.InputName}', output '{model.OutputName}'; {chosen}.");
        return 0;
    }
}
