using System;
using System.Collections.Generic;

namespace CamSdk.Imaging;

/// <summary>
/// A 256-entry colour map, as OpenCV's <c>applyColorMap</c> applies it (pytorch-grad-cam's <c>show_cam_on_image</c>
/// uses <see cref="Jet"/>): value v of an 8-bit map becomes colour <c>this[v]</c>.
/// </summary>
public sealed class Colormap
{
    private readonly byte[] _rgb;

    private Colormap(string name, byte[] rgb)
    {
        Name = name;
        _rgb = rgb;
    }

    /// <summary>
    /// OpenCV's COLORMAP_JET (table generated with OpenCV 4.6), which the Grad-CAM paper's figures and pytorch-grad-cam use:
    /// dark blue at 0, dark red at 255.
    /// </summary>
    public static Colormap Jet { get; } = new("jet", ColormapTables.Jet);

    /// <summary>Viridis (perceptually uniform), as OpenCV's COLORMAP_VIRIDIS (table generated with OpenCV 4.6).</summary>
    public static Colormap Viridis { get; } = new("viridis", ColormapTables.Viridis);

    /// <summary>Google's Turbo (an improved rainbow), as OpenCV's COLORMAP_TURBO (table generated with OpenCV 4.6).</summary>
    public static Colormap Turbo { get; } = new("turbo", ColormapTables.Turbo);

    /// <summary>The colour maps by name: <c>jet</c>, <c>viridis</c>, <c>turbo</c>.</summary>
    public static IReadOnlyDictionary<string, Colormap> ByName { get; } =
        new Dictionary<string, Colormap>(StringComparer.OrdinalIgnoreCase) { ["jet"] = Jet, ["viridis"] = Viridis, ["turbo"] = Turbo };

    /// <summary>The map's name.</summary>
    public string Name { get; }

    /// <summary>The colour of an 8-bit value.</summary>
    /// <param name="value">0 to 255.</param>
    /// <returns>Its red, green and blue values.</returns>
    public (byte R, byte G, byte B) this[byte value] => (_rgb[value * 3], _rgb[(value * 3) + 1], _rgb[(value * 3) + 2]);

    /// <inheritdoc />
    public override string ToString() => Name;
}
